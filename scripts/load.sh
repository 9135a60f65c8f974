#!/usr/bin/env bash
# The load test (docs/performance.md, "Load test"): starts the production stack on 127.0.0.1
# (bench/stack.py: a PostgreSQL database of its own, Redis, the Procfile's worker and gunicorn,
# clamd), runs `python -m bench.load` against it (16 clients, 60 s by default), stops it all.
# Arguments go to bench.load (--clients, --duration, --seed-size, --web-concurrency, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh requirements-dev.txt
# The PostgreSQL server the stack's database is created on (STACK_POSTGRES_URL), and clamd.
python scripts/services.py postgres
if ! python scripts/services.py --check clamd; then
    python scripts/services.py clamd
    trap 'python scripts/services.py --stop clamd' EXIT
fi
python -m bench.load --start-stack "$@"
