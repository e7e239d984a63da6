"""Fake SendGrid and Twilio servers on 127.0.0.1 that speak just enough of their wire protocol.

The real `sendgrid` and `twilio` libraries talk to these over HTTP, so the tests exercise the
libraries' request building and error mapping; nothing reaches the internet.
"""

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def basic_auth(self) -> tuple[str, str]:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        assert scheme.lower() == "basic", self.headers
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Records every request; answers with queued replies first, then the default reply."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.queued: list[Reply] = []
        self.lock = threading.Lock()
        self.ids = count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    method="POST",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                with fake.lock:
                    fake.received.append(received)
                    reply = fake.queued.pop(0) if fake.queued else None
                reply = reply or fake.default_reply(received)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def default_reply(self, received: Received) -> Reply:
        raise NotImplementedError

    def reply_next(self, status: int, body: dict | bytes = b"", headers=None) -> None:
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {"Content-Type": "application/json", **(headers or {})}
        with self.lock:
            self.queued.append(Reply(status, raw, headers))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class FakeSendGrid(FakeServer):
    """POST /v3/mail/send -> 202 with X-Message-Id (empty body), like the real API."""

    def default_reply(self, received: Received) -> Reply:
        if received.path != "/v3/mail/send":
            return Reply(404, b'{"errors":[{"message":"not found"}]}')
        if not received.headers.get("authorization", "").startswith("Bearer "):
            return Reply(401, b'{"errors":[{"field":null,"message":"authorization required"}]}')
        return Reply(202, b"", {"X-Message-Id": f"sg-msg-{next(self.ids):04d}"})

    @staticmethod
    def error(status: int, message: str, field_name: str | None = None) -> dict:
        return {"errors": [{"message": message, "field": field_name, "help": None}]}


class FakeTwilio(FakeServer):
    """POST /2010-04-01/Accounts/{sid}/Messages.json (form) -> 201 JSON message resource."""

    def default_reply(self, received: Received) -> Reply:
        parts = received.path.split("/")
        if (
            len(parts) != 5
            or parts[1:3] != ["2010-04-01", "Accounts"]
            or parts[4] != ("Messages.json")
        ):
            return Reply(404, b'{"code": 20404, "message": "not found", "status": 404}')
        form = received.form()
        sid = f"SM{next(self.ids):032x}"
        resource = {
            "sid": sid,
            "account_sid": parts[3],
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{parts[3]}/Messages/{sid}.json",
        }
        return Reply(201, json.dumps(resource).encode(), {"Content-Type": "application/json"})

    @staticmethod
    def error(status: int, code: int, message: str) -> dict:
        return {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
