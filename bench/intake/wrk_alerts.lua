-- wrk script for the alert-intake benchmark (closed loop, maximum throughput).
--   MODE=new|new-incident|dup|baseline TOKEN=... wrk -t2 -c8 -d20s --latency -s wrk_alerts.lua URL
-- Every wrk thread numbers its requests; the run id keeps keys fresh across runs.
local mode = os.getenv("MODE") or "new"
local token = os.getenv("TOKEN") or ""
local run = os.getenv("RUN") or tostring(os.time())
local threads = {}
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local n = string.format("%s-%d-%d", run, thread_id, counter)
  local body
  if mode == "dup" then
    body = '{"title": "Bench duplicate alert", "dedup_key": "bench-' .. run .. '-dup", '
      .. '"group_key": "bench-' .. run .. '-dup", "severity": "warning", '
      .. '"labels": {"host": "db-01", "team": "security"}}'
  else
    local group = "bench-" .. run
    if mode == "new-incident" then group = "bench-" .. n end
    body = '{"title": "Bench alert ' .. n .. '", "dedup_key": "bench-' .. n .. '", '
      .. '"group_key": "' .. group .. '", "severity": "warning", '
      .. '"labels": {"host": "db-' .. (counter % 50) .. '", "team": "security"}}'
  end
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"duration_us\": %d, \"non2xx\": %d, "
    .. "\"errors\": %d, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
