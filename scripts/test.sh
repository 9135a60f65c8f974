#!/usr/bin/env bash
# Run the test-suite against SQLite and against the real PostgreSQL (started if needed), with the
# Redis and clamd the health tests use (started if needed).
# TEST_DATABASES="sqlite" (or "postgres") runs only one; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh requirements-dev.txt
databases="${TEST_DATABASES:-sqlite postgres}"
postgres_url="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/toolkit}"
# The health tests use a real Redis and clamd; a clamd started here is stopped again at the end.
python scripts/services.py redis
# The dashboard's browser tests drive Debian's chromium (installed here when missing).
python scripts/services.py chromium
if ! python scripts/services.py --check clamd; then
    python scripts/services.py clamd
    trap 'python scripts/services.py --stop clamd' EXIT
fi
status=0
for database in $databases; do
    case "$database" in
        sqlite) url="sqlite:///$PWD/.test.sqlite3" ;;
        postgres) python scripts/services.py postgres; url="$postgres_url" ;;
        *) echo "error: unknown database '$database' in TEST_DATABASES" >&2; exit 2 ;;
    esac
    echo "== tests on $database =="
    DATABASE_URL="$url" python -m pytest "$@" || status=$?
done
exit $status
