SHELL := /bin/bash
# Common tasks; each one sets up .venv itself. See README.md.
.PHONY: run test lint format bench load clean

run:  ## migrate, seed the demo and serve /graphql/ and /admin/ on SQLite
	@scripts/run.sh

test:  ## the whole test-suite, on SQLite and on PostgreSQL
	@scripts/test.sh

lint:  ## ruff lint + format check, migrations up to date
	@scripts/lint.sh

format:  ## apply ruff's fixes and formatting
	@. scripts/_venv.sh requirements-dev.txt && ruff check --fix . && ruff format .

bench:  ## benchmarks (print figures; see docs/performance.md)
	@scripts/bench.sh

load:  ## the load test: the production stack on 127.0.0.1, 16 clients for 60 s (docs/performance.md)
	@scripts/load.sh

clean:
	rm -rf .venv .pytest_cache .ruff_cache .test.sqlite3
