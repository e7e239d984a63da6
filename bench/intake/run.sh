#!/usr/bin/env bash
# Alert-intake benchmark: gunicorn on loopback; in the same run, the bench-only baseline
# endpoint (token auth + one INSERT) and the real POST /api/v1/alerts/generic/ endpoint.
#   1. closed loop with wrk (maximum sustained requests/s, wrk's latency percentiles);
#   2. open loop at a fixed rate with loadgen.py (p50/p99 from the *scheduled* send time).
# Scenarios: baseline, dup (the same alert again and again), new (a fresh alert every
# request, grouped onto one incident: an alert storm), new-incident (every alert opens an
# incident, the worst case).
#
#   bench/intake/run.sh                         # SQLite file in bench/out/intake/
#   DATABASE_URL=postgres://u:p@127.0.0.1:5432/breachdesk_bench bench/intake/run.sh
#
# Knobs (environment): WORKERS (gunicorn sync workers, 2), CONNECTIONS (wrk, 4),
# DURATION (s per wrk scenario, 20), RATE (loadgen requests/s, 200), RATE_DURATION (s, 30),
# SCENARIOS ("baseline dup new new-incident"), BENCH_CONN_MAX_AGE (unset = shipped setting).
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
SCENARIOS=${SCENARIOS:-"baseline dup new new-incident"}
export DJANGO_SETTINGS_MODULE=bench.intake.settings
export PYTHONPATH=$ROOT
export SECRET_KEY=${SECRET_KEY:-bench-only-insecure-key}
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
mkdir -p "$OUT"
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
stop() { if [[ -n "$GUNICORN_PID" ]]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi; }
trap stop EXIT
$ROOT/.venv/bin/gunicorn --workers "$WORKERS" --bind "127.0.0.1:$PORT" --access-logfile /dev/null \
  --error-logfile "$RESULTS/gunicorn.log" breachdesk.wsgi:application &
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

# Warm-up: imports, caches, the first incident of each group.
MODE=new TOKEN=$TOKEN RUN=warm wrk -t1 -c2 -d3s -s bench/intake/wrk_alerts.lua "$(url_for new)" >/dev/null
MODE=new TOKEN=$TOKEN RUN=warm wrk -t1 -c2 -d3s -s bench/intake/wrk_alerts.lua "$(url_for baseline)" >/dev/null

for scenario in $SCENARIOS; do
  echo "== wrk $scenario (${DURATION}s, $CONNECTIONS connections)" >&2
  MODE=$(mode_for "$scenario") TOKEN=$TOKEN RUN="wrk-$scenario-$$" \
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/intake/wrk_alerts.lua \
    "$(url_for "$scenario")" > "$RESULTS/wrk-$scenario.txt"
  grep -E "Requests/sec|JSON" "$RESULTS/wrk-$scenario.txt" >&2
  sleep 2
done
for scenario in $SCENARIOS; do
  echo "== loadgen $scenario ($RATE/s for ${RATE_DURATION}s)" >&2
  $PY bench/intake/loadgen.py --url "$(url_for "$scenario")" --token="$TOKEN" \
    --mode "$(mode_for "$scenario")" --rate "$RATE" --duration "$RATE_DURATION" \
    --connections 16 --json "$RESULTS/rate-$scenario.json" >/dev/null
  $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['throughput_rps'], d['statuses'], d['latency_ms'])" "$RESULTS/rate-$scenario.json" >&2
  sleep 2
done
stop
GUNICORN_PID=""

$PY - "$RESULTS" "$SCENARIOS" <<'EOF'
import json, pathlib, re, sys
results, scenarios = pathlib.Path(sys.argv[1]), sys.argv[2].split()
def wrk(name):
    text = (results / f"wrk-{name}.txt").read_text()
    data = json.loads(re.search(r"^JSON (.*)$", text, re.M).group(1))
    data["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return data
base = wrk("baseline")["rps"] if "baseline" in scenarios else None
lines = ["| scenario | wrk req/s | % of baseline | wrk p50 ms | wrk p99 ms | non-2xx "
         "| open-loop req/s | p50 ms | p99 ms | max ms |", "|---" * 10 + "|"]
for name in scenarios:
    w = wrk(name)
    r = json.loads((results / f"rate-{name}.json").read_text())
    share = f"{100 * w['rps'] / base:.0f}%" if base else "-"
    bad = w["non2xx"] + w["errors"] + (r["requests"] - r["ok"])
    lines.append(f"| {name} | {w['rps']:.0f} | {share} | {w['p50_ms']:.1f} | {w['p99_ms']:.1f} "
                 f"| {bad} | {r['throughput_rps']:.0f} | {r['latency_ms']['p50']:.1f} "
                 f"| {r['latency_ms']['p99']:.1f} | {r['latency_ms']['max']:.1f} |")
table = "\n".join(lines)
(results / "summary.md").write_text(table + "\n")
print(table)
EOF
echo "results in $RESULTS" >&2
