"""Media pipeline: uploads validated by their content, stored through Django's storage API, scanned
by clamd and thumbnailed with Pillow on RQ workers, served only once clean (docs/media.md).

Entry points: ``media_pipeline.uploads`` (``store_upload``, ``link``, ``release``,
``cleanup_on_failure``, ``status_of``), ``media_pipeline.urls`` (``MediaURLBuilder``,
``media_url``), ``media_pipeline.jobs`` (the RQ jobs and ``enqueue_scan``) and
``media_pipeline.errors.UploadRejected``.
"""
