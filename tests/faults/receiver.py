"""A liaison's webhook receiver on 127.0.0.1: verifies every call with the reference
`standardwebhooks` library and records (endpoint, webhook-id, escalation) as a receiver would."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kelisim import webhooks


@dataclass
class Received:
    """What arrived, per endpoint path."""

    secrets: dict[str, str]
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (path, webhook-id, esc)
    traceparents: list[str] = field(default_factory=list)  # as each call carried it
    bad_signatures: int = 0
    bad_reasons: list[str] = field(default_factory=list)  # why each bad one failed, for the report
    aborted: int = 0  # requests whose sender died mid-body: no delivery, as for any HTTP server
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def ids(self) -> dict[str, Counter[tuple[str, str]]]:
        """Per endpoint path: (webhook-id, escalation id) -> how many times it arrived."""
        with self.lock:
            calls = list(self.calls)
        out: dict[str, Counter[tuple[str, str]]] = {p: Counter() for p in self.secrets}
        for path, msg_id, escalation in calls:
            out[path][(msg_id, escalation)] += 1
        return out


def _handler(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            declared = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(declared)
            if len(body) < declared:
                # The sender was killed mid-request: an HTTP server drops such a request (there
                # is nobody to answer); it is not a delivery, and not a bad signature either.
                with received.lock:
                    received.aborted += 1
                self.close_connection = True
                return
            path = self.path.strip("/")
            secret = received.secrets.get(path)
            try:
                if secret is None:
                    raise WebhookVerificationError("unknown endpoint")
                Webhook(secret).verify(body, dict(self.headers.items()))
            except WebhookVerificationError as refused:
                with received.lock:
                    received.bad_signatures += 1
                    received.bad_reasons.append(
                        f"{path} {self.headers.get('webhook-id')} "
                        f"t={self.headers.get('webhook-timestamp')}: {refused}"
                    )
                self.send_response(400)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            escalation = json.loads(body)["data"]["escalation_id"]
            with received.lock:
                received.calls.append((path, self.headers["webhook-id"], escalation))
                received.traceparents.append(self.headers.get("traceparent", ""))
            self.send_response(204)
            self.end_headers()

    return Handler


@contextmanager
def receiver(paths: tuple[str, ...] = ("police", "prosecutor")) -> Iterator[Received]:
    """A receiver with one `whsec_` secret per endpoint path, shut down afterwards."""
    received = Received({p: webhooks.generate_secret() for p in paths})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(received), bind_and_activate=False)
    server.request_queue_size = 128
    server.daemon_threads = True
    server.server_bind()
    server.server_activate()
    received.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
