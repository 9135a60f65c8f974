#!/usr/bin/env bash
# The main job on embedded defaults: virtualenv, requirements, SQLite, demo data, dev server.
# HOST/PORT choose where to serve (default 127.0.0.1:8000); DEMO_SIZE the amount of demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-settings.dev}"
host="${HOST:-127.0.0.1}"
port="${PORT:-8000}"
python manage.py migrate --noinput
python manage.py demo_seed --size "${DEMO_SIZE:-small}"
login="$(python manage.py demo_superuser)"
cat <<BANNER

  GraphiQL (GraphQL API):  http://$host:$port/graphql/
  Django admin:            http://$host:$port/admin/
  $login

BANNER
exec python manage.py runserver "$host:$port"
