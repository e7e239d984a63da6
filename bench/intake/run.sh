#!/usr/bin/env bash
# Alert-intake benchmark: gunicorn on loopback; in the same run, the bench-only baseline
# endpoint (token auth + one INSERT) and the real POST /api/v1/alerts/generic/ endpoint.
#   1. closed loop with wrk: maximum sustained requests/s (and wrk's latency percentiles);
#   2. open loop at a fixed rate with loadgen.py: p50/p99 from the *scheduled* send time.
# Scenarios: baseline; dup (the same alert again and again); new (a fresh alert on every
# request, all grouped onto one incident: an alert storm); new-incident (every alert opens
# its own incident and pages on-call: the worst case).
# The machine is shared and noisy, so scenarios are interleaved and repeated ROUNDS times;
# the summary reports the median round of each scenario and every round's figure.
#
#   bench/intake/run.sh                         # SQLite file in bench/out/intake/
#   DATABASE_URL=postgres://u:p@127.0.0.1:5432/breachdesk_bench bench/intake/run.sh
#
# Knobs (environment): WORKERS (gunicorn sync workers, 2), CONNECTIONS (wrk, 4),
# DURATION (s per wrk run, 20), RATE (loadgen requests/s, 200), RATE_DURATION (s, 30),
# ROUNDS (3), SCENARIOS ("baseline dup new new-incident"), RATE_SCENARIOS ("baseline dup
# new"), LABEL (results folder name),
# BENCH_CONN_MAX_AGE (unset = the shipped setting: persistent connections; 0 = one per request).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${OUT:-$ROOT/bench/out/intake}
PORT=${PORT:-8077}
WORKERS=${WORKERS:-2}
CONNECTIONS=${CONNECTIONS:-4}
DURATION=${DURATION:-20}
RATE=${RATE:-200}
RATE_DURATION=${RATE_DURATION:-30}
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-"baseline dup new new-incident"}
# new-incident cannot keep up with 200/s anywhere; a fixed-rate run only measures the backlog.
RATE_SCENARIOS=${RATE_SCENARIOS:-"baseline dup new"}
export DJANGO_SETTINGS_MODULE=bench.intake.settings
export PYTHONPATH=$ROOT
export SECRET_KEY=${SECRET_KEY:-bench-only-insecure-key}
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
LABEL=${LABEL:-$(date -u +%Y%m%dT%H%M%SZ)}
RESULTS=$OUT/$LABEL
mkdir -p "$RESULTS"

if [[ -z "${DATABASE_URL:-}" ]]; then
  rm -f "$OUT"/intake-bench.sqlite3*
  export DATABASE_URL="sqlite:///$OUT/intake-bench.sqlite3"
fi
$PY manage.py migrate --noinput -v0
TOKEN=$($PY manage.py create_integration "bench-$LABEL-$$" --source generic --rate-limit 0 \
  --group-window 60 2>/dev/null)

GUNICORN_PID=""
stop() {
  if [[ -n "$GUNICORN_PID" ]]; then
    kill "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
    GUNICORN_PID=""
  fi
}
trap stop EXIT
"$PY" -m gunicorn --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
  --access-logfile /dev/null --error-logfile "$RESULTS/gunicorn.log" breachdesk.wsgi:application &
GUNICORN_PID=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/alerts/generic/" && break
  sleep 0.2
done

url_for() {
  if [[ $1 == baseline ]]; then echo "http://127.0.0.1:$PORT/bench/baseline/";
  else echo "http://127.0.0.1:$PORT/api/v1/alerts/generic/"; fi
}
mode_for() { if [[ $1 == baseline ]]; then echo new; else echo "$1"; fi; }

# Warm-up: imports, caches, the first incident of a group.
for target in new baseline; do
  MODE=new TOKEN=$TOKEN RUN=warm wrk -t1 -c2 -d3s -s bench/intake/wrk_alerts.lua \
    "$(url_for "$target")" >/dev/null
done

for round in $(seq "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    echo "== round $round: wrk $scenario (${DURATION}s, $CONNECTIONS connections)" >&2
    MODE=$(mode_for "$scenario") TOKEN=$TOKEN RUN="wrk-$scenario-$round-$$" \
      wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/intake/wrk_alerts.lua \
      "$(url_for "$scenario")" > "$RESULTS/wrk-$scenario-$round.txt"
    grep -E "Requests/sec" "$RESULTS/wrk-$scenario-$round.txt" >&2
    sleep 1
  done
  for scenario in $RATE_SCENARIOS; do
    echo "== round $round: loadgen $scenario ($RATE/s for ${RATE_DURATION}s)" >&2
    $PY bench/intake/loadgen.py --url "$(url_for "$scenario")" --token="$TOKEN" \
      --mode "$(mode_for "$scenario")" --rate "$RATE" --duration "$RATE_DURATION" \
      --connections 16 --json "$RESULTS/rate-$scenario-$round.json" >/dev/null
    sleep 1
  done
done
stop

{
  echo "command: WORKERS=$WORKERS CONNECTIONS=$CONNECTIONS DURATION=$DURATION RATE=$RATE" \
    "RATE_DURATION=$RATE_DURATION ROUNDS=$ROUNDS BENCH_CONN_MAX_AGE=${BENCH_CONN_MAX_AGE:-}" \
    "DATABASE_URL=${DATABASE_URL%%://*}://... bench/intake/run.sh"
  echo "host: $(nproc) CPUs, load average before summary: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/run.txt"
$PY bench/intake/summarize.py "$RESULTS" "$SCENARIOS" "$ROUNDS" "$RATE_SCENARIOS"
echo "results in $RESULTS" >&2
