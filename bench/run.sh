#!/usr/bin/env bash
# `make bench`: every benchmark beside its baseline from the same run, on SQLite and on
# PostgreSQL with Redis, then the generated section of bench/RESULTS.md is rewritten.
#
#   make bench                                   # both databases, one after the other
#   BENCH_DATABASES=sqlite make bench            # one database (run two at once: they
#   BENCH_DATABASES=postgresql make bench        #   write separate folders; see below)
#   INCIDENTS=20000 RECIPIENTS=20000 make bench  # a smaller, quicker run
#   BENCH_STEPS=campaigns make bench             # some steps only (of: intake list dashboard
#                                                #   export campaigns reminders); the other
#                                                #   steps' outputs from an earlier run are kept
#
# Size knobs: INCIDENTS (list, dashboard, export; default 100,000), RECIPIENTS (campaign
# import and dispatch; default 100,000), DISPATCH_WORKERS ("1 2 4": one dispatch run per
# count: a qcluster of that many workers against the fake provider, each beside the fake's
# own ceiling with as many clients; on both databases), REMINDERS_DUE (reminder sweep
# catch-up: one run per count of reminders due at once, each on a fresh SQLite file or an
# empty PostgreSQL database; default "2000 10000"), REMINDERS_ASSIGNEES (per count, one run
# per spread: "1" assignee for every incident, "each" incident its own, or a number; default
# "1 each"), REMINDERS_ARGS (more bench/reminders.py options).
# PostgreSQL: BENCH_PG_URL is a role that may create databases (each benchmark gets a fresh,
# empty one named BENCH_PG_PREFIX + the step, replaced on the next run: give concurrent runs
# different prefixes); Redis: BENCH_REDIS_URL (a database number of its own).
# About 30-45 minutes per database on 2 busy cores at the defaults. Not run in CI.
# Raw outputs: bench/out/make-bench/<database>/ (only that database's folder is replaced, so
# two invocations with different BENCH_DATABASES can run at once; each rewrites the report
# from every folder present).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
OUT=$PWD/bench/out/make-bench
BENCH_DATABASES=${BENCH_DATABASES:-"sqlite postgresql"}
BENCH_PG_URL=${BENCH_PG_URL:-postgres://breachdesk:breachdesk@127.0.0.1:5432}
BENCH_PG_PREFIX=${BENCH_PG_PREFIX:-bd_bench_}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/7}
INCIDENTS=${INCIDENTS:-100000}
RECIPIENTS=${RECIPIENTS:-100000}
DISPATCH_WORKERS=${DISPATCH_WORKERS:-"1 2 4"}
REMINDERS_DUE=${REMINDERS_DUE:-"2000 10000"}
REMINDERS_ASSIGNEES=${REMINDERS_ASSIGNEES:-"1 each"}
REMINDERS_ARGS=${REMINDERS_ARGS:-}
ALL_STEPS="intake list dashboard export campaigns reminders"
BENCH_STEPS=${BENCH_STEPS:-$ALL_STEPS}
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
mkdir -p "$OUT"

fresh_db() {  # fresh_db NAME -> a DATABASE_URL of an empty database
  "$PY" - "$BENCH_PG_URL" "$1" <<'PYEOF'
import sys

import psycopg

url, name = sys.argv[1].rstrip("/"), sys.argv[2]
with psycopg.connect(f"{url}/postgres".replace("postgres://", "postgresql://"), autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    c.execute(f'CREATE DATABASE "{name}"')
print(f"{url}/{name}")
PYEOF
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

step() {  # step LABEL FILE COMMAND...: run, keep its output and its load average and time
  local label=$1 file=$2
  shift 2
  echo "== $label ($(date -u +%H:%M:%S), load $(load))" >&2
  local began=$SECONDS
  "$@" >"$file" || printf '\n(FAILED with exit code %d; the run goes on)\n' $? >>"$file"
  printf '\n(%s: %d s, ended %s UTC; load average at the end %s)\n' "$label" $((SECONDS - began)) \
    "$(date -u '+%Y-%m-%d %H:%M')" "$(load)" >>"$file"
}

wanted() { [[ " $BENCH_STEPS " == *" $1 "* ]]; }

run_all() {  # run_all LABEL (DATABASE_URL / REDIS_URL set by the caller, or not)
  local label=$1 dir=$OUT/$1 db
  if [[ $BENCH_STEPS == "$ALL_STEPS" ]]; then rm -rf "$dir"; fi
  mkdir -p "$dir"
  db() { [[ $label == postgresql ]] && export DATABASE_URL=$(fresh_db "${BENCH_PG_PREFIX}$1") || true; }
  if wanted intake; then
    db intake_paths
    step "$label: alert intake per path (in-process)" "$dir/intake-paths.md" \
      "$PY" bench/intake/paths.py --repeat 100 --markdown
  fi
  if wanted list; then
    db list
    step "$label: list API at $((INCIDENTS / 50)) and $INCIDENTS incidents" "$dir/list.md" \
      "$PY" bench/list_api.py --incidents "$INCIDENTS" --markdown
  fi
  if wanted dashboard; then
    db dashboard
    step "$label: dashboard at $((INCIDENTS / 10)) and $INCIDENTS incidents" "$dir/dashboard.txt" \
      "$PY" bench/dashboard.py --incidents "$INCIDENTS"
  fi
  if wanted export; then
    db export
    step "$label: register export of $INCIDENTS incidents" "$dir/export.txt" \
      "$PY" bench/export_register.py --incidents "$INCIDENTS"
  fi
  if wanted intake && command -v wrk >/dev/null; then
    db intake
    local port=$([[ $label == postgresql ]] && echo 8078 || echo 8077)
    step "$label: alert intake (1 round, gunicorn, wrk)" "$dir/intake.md" \
      env PORT="$port" ROUNDS=1 DURATION=10 RATE_DURATION=10 LABEL="make-bench-$label" \
      OUT="$dir/intake" bench/intake/run.sh
  elif wanted intake; then
    echo "wrk is not installed (apt-get install wrk): alert intake skipped" | tee "$dir/intake.md" >&2
  fi
  if wanted campaigns; then
    # bench/campaigns.py: the import once (fresh SQLite files in $work, or a fresh PostgreSQL
    # database), then dispatch by a qcluster of each worker count (--send-only queues the
    # same campaign again).
    local work=$dir/campaigns first=1
    rm -f "$dir"/campaigns-*.md
    db campaigns
    for workers in $DISPATCH_WORKERS; do
      if [[ $first == 1 ]]; then
        step "$label: campaign import of $RECIPIENTS recipients, dispatch with $workers worker(s)" \
          "$dir/campaigns-$workers.md" "$PY" bench/campaigns.py --rows "$RECIPIENTS" \
          --workers "$workers" --dir "$work"
        first=0
      else
        step "$label: campaign dispatch of $RECIPIENTS with $workers workers" \
          "$dir/campaigns-$workers.md" "$PY" bench/campaigns.py --rows "$RECIPIENTS" \
          --send-only --workers "$workers" --dir "$work"
      fi
    done
    rm -f "$work"/*.sqlite3* "$work"/*.csv
  fi
  if wanted reminders; then
    # bench/reminders.py: one process per size and assignee spread (SQLite: a fresh file in
    # a temporary folder; PostgreSQL: an empty database each). One assignee: every batch is
    # a few digests; "each": one assignee per incident, every reminder a message of its own.
    rm -f "$dir"/reminders-*.md
    for due in $REMINDERS_DUE; do
      for spread in $REMINDERS_ASSIGNEES; do
        local assignees=$([[ $spread == each ]] && echo "$due" || echo "$spread")
        db "reminders_${due}_$spread"
        # shellcheck disable=SC2086  # REMINDERS_ARGS is a list of options
        step "$label: reminder sweep with $due due at once, $assignees assignee(s)" \
          "$dir/reminders-$due-$spread.md" \
          "$PY" bench/reminders.py --due "$due" --assignees "$assignees" $REMINDERS_ARGS
      done
    done
  fi
  "$PY" bench/report.py "$OUT" bench/RESULTS.md
}

for database in $BENCH_DATABASES; do
  if [[ $database == sqlite ]]; then
    (unset DATABASE_URL REDIS_URL; run_all sqlite)
  else
    (export REDIS_URL=$BENCH_REDIS_URL; run_all postgresql)
  fi
done
echo "bench/RESULTS.md updated (raw outputs in $OUT)" >&2
