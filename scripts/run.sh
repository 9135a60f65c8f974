#!/usr/bin/env bash
# The main job on embedded defaults: virtualenv, requirements, SQLite, demo data, then
# - with Redis reachable (REDIS_URL set, or a Redis on 127.0.0.1:6379): every process of the
#   Procfile through honcho — web (gunicorn), worker (rqworker + scheduler), scheduler (rqcron);
# - without Redis: Django's development server alone (jobs run in process).
# HOST/PORT choose where to serve (default 127.0.0.1:8000); DEMO_SIZE the amount of demo data;
# RUN_WITH=runserver forces the development server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-settings.dev}"
host="${HOST:-127.0.0.1}"
port="${PORT:-8000}"
use_honcho=0
if [ "${RUN_WITH:-auto}" != "runserver" ]; then
    if [ -n "${REDIS_URL:-}" ] || python scripts/services.py --check redis; then
        export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT:-6379}/0}"
        use_honcho=1
    fi
fi
python manage.py migrate --noinput
python manage.py demo_seed --size "${DEMO_SIZE:-small}"
login="$(python manage.py demo_superuser)"
if [ "$use_honcho" = 1 ]; then
    processes="web (gunicorn), worker (rqworker), scheduler (rqcron) via honcho; Redis at $REDIS_URL"
else
    processes="Django's development server (no Redis: jobs run in process)"
fi
cat <<BANNER

  GraphiQL (GraphQL API):  http://$host:$port/graphql/
  Django admin:            http://$host:$port/admin/
  $login
  Running: $processes

BANNER
if [ "$use_honcho" = 1 ]; then
    # gunicorn reads HOST/PORT (settings/gunicorn.py); honcho gives each process its own PORT.
    export HOST="$host" GUNICORN_RELOAD="${GUNICORN_RELOAD:-1}" WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
    exec honcho start --procfile Procfile --port "$port"
fi
exec python manage.py runserver "$host:$port"
