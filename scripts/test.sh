#!/usr/bin/env bash
# Lint and format check (ruff), the layers (import-linter), then every test: the whole suite on SQLite (browser tests
# included), then on PostgreSQL.
# With CI=true PostgreSQL and Redis must be there: their tests fail rather than skip.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/pytest"
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/multiline}"
status=0

echo "== Lint (ruff check, ruff format --check, lint-imports) =="
if ! .venv/bin/ruff check portal bench; then
  echo "LINT FAILED: ruff check portal bench reports the problems above."
  status=1
fi
if ! .venv/bin/ruff format --check portal bench; then
  echo "FORMAT FAILED: run .venv/bin/ruff format portal bench (the files above are not formatted)."
  status=1
fi
if ! .venv/bin/lint-imports --no-cache; then
  echo "LAYERS FAILED: an import above breaks a contract of [tool.importlinter] in pyproject.toml"
  echo "  (docs/architecture.md, \"The layers\": tell a higher app through portal.lib.events)."
  status=1
fi

echo "== SQLite pass =="
env -u DATABASE_URL -u REDIS_URL VAR_DIR="$(mktemp -d)" "$PYTEST" -q "$@" portal || status=$?

pg_up() { .venv/bin/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; }
if pg_up || [ "${CI:-}" = "true" ]; then
  echo "== PostgreSQL pass (${PG_URL}) =="
  env -u REDIS_URL DATABASE_URL="$PG_URL" VAR_DIR="$(mktemp -d)" "$PYTEST" -q -m "not browser" "$@" portal || status=$?
else
  echo "PostgreSQL is not running at 127.0.0.1:5432: skipping the PostgreSQL pass (CI runs it)."
fi
exit $status
