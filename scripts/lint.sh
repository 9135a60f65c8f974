#!/usr/bin/env bash
# Lint and format check (ruff), plus "no model change without a migration".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh requirements-dev.txt
ruff check .
ruff format --check .
DJANGO_SETTINGS_MODULE=settings.test python manage.py makemigrations --check --dry-run >/dev/null \
    || { echo "error: models changed without a migration (run: python manage.py makemigrations)" >&2; exit 1; }
DJANGO_SETTINGS_MODULE=settings.test python manage.py graphql check \
    || { echo "error: docs/schema/schema.graphql is stale (run: python manage.py graphql snapshot)" >&2; exit 1; }
