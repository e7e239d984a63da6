"""Open-loop HTTP load generator (stdlib only) for the alert-intake benchmark.

Requests are *scheduled* at a fixed rate and latency is measured from the scheduled time,
so a stalled server shows up in the percentiles instead of silently slowing the sender
(no coordinated omission). `--rate 0` runs closed-loop: every connection sends back to back,
which measures the maximum sustained throughput.

    python bench/intake/loadgen.py --url http://127.0.0.1:8077/api/v1/alerts/generic/ \\
        --token "$TOKEN" --mode new --rate 200 --duration 30 --connections 16

Modes (bodies in BreachDesk's generic format):
    new           a new alert every request (fresh dedup key), all in one group: the first
                  opens an incident, the rest are grouped onto it (an alert storm);
    new-incident  a new alert in a new group every request: each opens its own incident;
    dup           the same alert every time: every request after the first is a duplicate;
    baseline      the `new` body, for the bench-only baseline endpoint.
"""

import argparse
import http.client
import json
import queue
import statistics
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit


def make_body(mode: str, run: str, number: int) -> bytes:
    if mode == "dup":
        alert = {
            "title": "Bench duplicate alert",
            "dedup_key": f"bench-{run}-dup",
            "group_key": f"bench-{run}-dup",
            "severity": "warning",
            "labels": {"host": "db-01", "team": "security"},
        }
    else:
        group = f"bench-{run}-{number}" if mode == "new-incident" else f"bench-{run}"
        alert = {
            "title": f"Bench alert {number}",
            "dedup_key": f"bench-{run}-{number}",
            "group_key": group,
            "severity": "warning",
            "labels": {"host": f"db-{number % 50}", "team": "security"},
        }
    return json.dumps(alert).encode()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


class Worker(threading.Thread):
    def __init__(self, target, jobs, results, mode, run, token, stop_at):
        super().__init__(daemon=True)
        self.parts = urlsplit(target)
        self.jobs, self.results = jobs, results
        self.mode, self.run_id, self.token, self.stop_at = mode, run, token, stop_at
        self.connection = None

    def connect(self):
        self.connection = http.client.HTTPConnection(
            self.parts.hostname, self.parts.port, timeout=30
        )

    def send(self, number: int) -> int:
        body = make_body(self.mode, self.run_id, number)
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
        }
        for attempt in range(2):
            try:
                if self.connection is None:
                    self.connect()
                self.connection.request("POST", self.parts.path, body=body, headers=headers)
                response = self.connection.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status
            except (OSError, http.client.HTTPException):
                self.connection = None  # server closed a kept-alive connection: reconnect
                if attempt:
                    return 599
        return 599

    def run(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            number, scheduled = job
            if scheduled is not None:
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            started = time.perf_counter()
            status = self.send(number)
            done = time.perf_counter()
            self.results.append((status, done - (scheduled or started), done - started, done))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--mode", choices=["new", "new-incident", "dup", "baseline"], default="new")
    parser.add_argument("--rate", type=float, default=200, help="requests/s; 0 = closed loop")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3, help="seconds excluded from stats")
    parser.add_argument("--json", help="also write the summary to this file")
    args = parser.parse_args()

    run = uuid.uuid4().hex[:8]
    jobs: queue.Queue = queue.Queue()
    results: list = []
    start = time.perf_counter() + 0.2
    stop_at = start + args.warmup + args.duration
    workers = [
        Worker(args.url, jobs, results, args.mode, run, args.token, stop_at)
        for _ in range(args.connections)
    ]
    for worker in workers:
        worker.start()
    number = 0
    if args.rate > 0:
        interval = 1.0 / args.rate
        while True:
            scheduled = start + number * interval
            if scheduled >= stop_at:
                break
            lead = scheduled - time.perf_counter()
            if lead > 0.002:
                time.sleep(lead - 0.001)
            jobs.put((number, scheduled))
            number += 1
    else:
        # Closed loop: keep every connection busy until the end.
        while time.perf_counter() < stop_at:
            while jobs.qsize() < args.connections:
                jobs.put((number, None))
                number += 1
            time.sleep(0.0005)
        while not jobs.empty():
            try:
                jobs.get_nowait()
            except queue.Empty:
                break
    for _ in workers:
        jobs.put(None)
    for worker in workers:
        worker.join(timeout=60)

    measured_from = start + args.warmup
    window = [r for r in results if r[3] >= measured_from and r[3] <= stop_at + 5]
    elapsed = max(r[3] for r in window) - measured_from if window else float("nan")
    latencies = [r[1] * 1000 for r in window]
    service = [r[2] * 1000 for r in window]
    ok = sum(1 for r in window if 200 <= r[0] < 300)
    summary = {
        "mode": args.mode,
        "url": args.url,
        "target_rate": args.rate,
        "connections": args.connections,
        "duration_s": round(elapsed, 2),
        "requests": len(window),
        "ok": ok,
        "statuses": dict(Counter(r[0] for r in window)),
        "throughput_rps": round(ok / elapsed, 1) if window else 0,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 2),
            "p90": round(percentile(latencies, 0.90), 2),
            "p99": round(percentile(latencies, 0.99), 2),
            "p999": round(percentile(latencies, 0.999), 2),
            "max": round(max(latencies), 2) if latencies else None,
            "mean": round(statistics.fmean(latencies), 2) if latencies else None,
        },
        "service_ms_p50": round(percentile(service, 0.50), 2),
        "service_ms_p99": round(percentile(service, 0.99), 2),
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
