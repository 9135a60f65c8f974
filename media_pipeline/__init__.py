"""Media pipeline: uploads, scanning and thumbnails on RQ workers (filled by a later issue)."""
