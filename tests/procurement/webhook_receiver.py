"""A real HTTP receiver on loopback that checks webhook signatures the way a customer's system would."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from procurement.services.webhooks import webhook_signature_valid


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool


@dataclass
class Receiver:
    """Answers each POST with the next of `statuses` (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                valid = bool(receiver.secret) and webhook_signature_valid(
                    secret=receiver.secret,
                    timestamp=headers.get("x-webhook-timestamp", ""),
                    body=body,
                    signature=headers.get("x-webhook-signature", ""),
                )
                receiver.received.append(Received(self.path, headers, body, valid))
                index = min(len(receiver.received), len(receiver.statuses)) - 1
                status = receiver.statuses[index]
                # A receiver that cannot check the signature refuses the request.
                if receiver.secret and not valid:
                    status = 401
                reply = b'{"ok": true}' if 200 <= status < 300 else b"boom: receiver failed"
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.1)
        return self.received
