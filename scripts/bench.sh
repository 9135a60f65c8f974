#!/usr/bin/env bash
# Benchmarks on their own SQLite file (or DATABASE_URL); arguments go to `python -m bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh requirements.txt
export DATABASE_URL="${BENCH_DATABASE_URL:-sqlite:///$PWD/.bench.sqlite3}"
exec python -m bench "$@"
