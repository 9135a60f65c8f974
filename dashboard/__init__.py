"""Operations dashboard inside the Django admin, and the GraphQL operation metrics behind it.

``admin`` (the pages, django-rq's pattern), ``panels`` (one class and one data function per
page), ``metrics`` (collection from ``toolkit.signals.operation_executed``, Redis or database
storage, ``/metrics``), ``views`` (JSON status, ``/metrics``), ``charts`` (server-side SVG) and
the ``dashboard_status`` command. docs/dashboard.md describes them.
"""
