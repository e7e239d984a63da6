"""A fake SendGrid v3 mail/send endpoint for the campaign benchmark (its own process).

    python bench/fake_sendgrid.py PORT DELAY_MS

Reads the whole request, waits DELAY_MS (the added provider latency), answers 202 with an
X-Message-Id, and counts requests and personalizations (GET /stats returns them as JSON,
with the wall-clock time the first request arrived and the last was answered).
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

STATS = {"requests": 0, "messages": 0, "first": 0.0, "last": 0.0}  # wall clock (time.time)
LOCK = threading.Lock()
IDS = count(1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.05

    def do_POST(self) -> None:
        began = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        messages = body.count(b'"custom_args"')
        time.sleep(self.delay)
        with LOCK:
            STATS["requests"] += 1
            STATS["messages"] += messages
            STATS["first"] = STATS["first"] or began
            STATS["last"] = time.time()
            message_id = f"bench-{next(IDS)}"
        self.send_response(202)
        self.send_header("X-Message-Id", message_id)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        with LOCK:
            raw = json.dumps(STATS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format, *args) -> None:
        return


def main() -> None:
    port, delay_ms = int(sys.argv[1]), float(sys.argv[2])
    Handler.delay = delay_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
