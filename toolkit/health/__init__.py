"""Health checks for the toolkit's services, built on django-health-check 4.x.

``checks`` holds our own checks (clamd, RQ, schema snapshot, migrations), ``config`` turns the
``TOOLKIT["HEALTH_CHECKS"]``/``["HEALTH_NOTIFIERS"]`` lists into objects, ``runner`` runs a list
in process and records a ``HealthCheckRun``, ``notifiers`` sends alerts on a state change and
``views`` serves ``/health/live/`` and ``/health/ready/``.
"""
