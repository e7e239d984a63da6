#!/usr/bin/env bash
# `make bench`: every benchmark beside its baseline from the same run, on SQLite and on
# PostgreSQL with Redis, then the generated section of bench/RESULTS.md is rewritten.
#
#   make bench                       # both databases (PostgreSQL and Redis on loopback)
#   BENCH_DATABASES=sqlite make bench
#
# PostgreSQL: BENCH_PG_URL is a role that may create databases (each benchmark gets a fresh,
# empty one, dropped afterwards); Redis: BENCH_REDIS_URL (a database number of its own).
# Bounded: about 15-25 minutes on 2 cores. Not run in CI. Raw outputs: bench/out/make-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
OUT=$PWD/bench/out/make-bench
BENCH_DATABASES=${BENCH_DATABASES:-"sqlite postgresql"}
BENCH_PG_URL=${BENCH_PG_URL:-postgres://breachdesk:breachdesk@127.0.0.1:5432}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/7}
INCIDENTS=${INCIDENTS:-100000}
rm -rf "$OUT"
mkdir -p "$OUT"

fresh_db() {  # fresh_db NAME -> a DATABASE_URL of an empty database
  "$PY" - "$BENCH_PG_URL" "$1" <<'EOF'
import sys

import psycopg

url, name = sys.argv[1].rstrip("/"), sys.argv[2]
with psycopg.connect(f"{url}/postgres".replace("postgres://", "postgresql://"), autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    c.execute(f'CREATE DATABASE "{name}"')
print(f"{url}/{name}")
EOF
}

run_all() {  # run_all LABEL (DATABASE_URL / REDIS_URL set by the caller, or not)
  local label=$1 dir=$OUT/$1
  mkdir -p "$dir"
  echo "== $label: list API at $((INCIDENTS / 50)) and $INCIDENTS incidents" >&2
  [[ $label == postgresql ]] && export DATABASE_URL=$(fresh_db bd_bench_list)
  "$PY" bench/list_api.py --incidents "$INCIDENTS" --markdown >"$dir/list.md"
  echo "== $label: register export of $INCIDENTS incidents" >&2
  [[ $label == postgresql ]] && export DATABASE_URL=$(fresh_db bd_bench_export)
  "$PY" bench/export_register.py --incidents "$INCIDENTS" >"$dir/export.txt"
  if command -v wrk >/dev/null; then
    echo "== $label: alert intake (1 round, gunicorn, wrk)" >&2
    [[ $label == postgresql ]] && export DATABASE_URL=$(fresh_db bd_bench_intake)
    ROUNDS=1 DURATION=10 RATE_DURATION=10 LABEL="make-bench-$label" OUT="$dir/intake" \
      bench/intake/run.sh >"$dir/intake.md"
  else
    echo "wrk is not installed (apt-get install wrk): alert intake skipped" | tee "$dir/intake.md" >&2
  fi
}

for database in $BENCH_DATABASES; do
  if [[ $database == sqlite ]]; then
    (unset DATABASE_URL REDIS_URL; run_all sqlite)
  else
    (export REDIS_URL=$BENCH_REDIS_URL; run_all postgresql)
  fi
done
"$PY" bench/report.py "$OUT" bench/RESULTS.md
echo "bench/RESULTS.md updated (raw outputs in $OUT)" >&2
