# syntax=docker/dockerfile:1
# The application image: one image for every process of the Procfile (web, worker, scheduler).
#   docker build -t toolkit .
#   docker run --env-file .env -p 8000:8000 toolkit                     # web (gunicorn)
#   docker run --env-file .env toolkit python manage.py rqworker ...    # a worker
# compose.yaml runs the whole stack; docs/deployment.md explains each step.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# -- build: the pinned requirements (requirements.txt pins every package) into a virtualenv ------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

# -- runtime: slim, no compilers, a non-root user -------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# pg_dump/pg_restore for manage.py db_backup/db_restore (the same major version as the server).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=settings.prod \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    QUARANTINE_ROOT=/data/quarantine \
    PORT=8000
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=app:app . /app
# Static files collected at build time (served by WhiteNoise). collectstatic needs settings but
# no secret or database: these placeholders exist only for this build step.
RUN SECRET_KEY=collectstatic-only-not-a-secret DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media /data/quarantine \
    && chown -R app:app /data /app/staticfiles
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
CMD ["gunicorn", "--config", "python:settings.gunicorn", "settings.wsgi:application"]
