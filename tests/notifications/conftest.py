"""Fixtures of the notifications tests: a producer writing through a real outbox, a real
HTTP webhook receiver and a real SMTP server, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import MetaData

from kelisim.bus.connection import Bus
from kelisim.bus.relay import OutboxRelay
from kelisim.db import make_engine
from kelisim.events import Envelope, EventData
from kelisim.events.cases import CaseEscalated
from kelisim.events.identity import UserUpserted
from kelisim.settings import Settings
from kelisim.tables import backbone_tables
from kelisim.uow import UnitOfWork
from tests.support.checks import eventually  # noqa: F401 - the suite's one helper
from tests.support.db import ensure_database
from tests.support.nats import free_port
from tests.support.services import bearer


class Producer:
    """Writes events through a real outbox; a real relay publishes them to JetStream."""

    def __init__(self, settings: Settings, source: str = "/kelisim/cases") -> None:
        ensure_database(settings.database_url("cases"))
        self.engine = make_engine(settings.database_url("cases"))
        self.tables = backbone_tables(MetaData())
        self.tables.metadata.create_all(self.engine)
        self.bus = Bus(settings.nats_url, "test-producer")
        self.relay = OutboxRelay(
            self.engine, self.tables, self.bus, service="test-producer", poll_seconds=0.05
        )
        self.source = source
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bus.connect()
        self.task = asyncio.create_task(self.relay.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.bus.close()
        self.engine.dispose()

    def emit(self, data: EventData, aggregate: str = "test") -> Envelope:
        with UnitOfWork(self.engine, self.tables, source=self.source) as uow:
            envelope = uow.emit(data, aggregate=aggregate)
            uow.commit()
        self.relay.wake()
        return envelope

    def escalate(self, region: str, risk: str = "high") -> CaseEscalated:
        data = CaseEscalated(
            escalation_id=uuid.uuid4().hex,
            case_ref=uuid.uuid4().hex,
            region=region,
            category="interethnic",
            risk_level=risk,  # type: ignore[arg-type]
            summary="Tension between neighbouring communities; risk of a public disorder.",
            escalated_at=datetime.now(UTC),
        )
        self.emit(data, aggregate=f"case:{data.case_ref}")
        return data

    def user(self, username: str, **fields: Any) -> UserUpserted:
        values: dict[str, Any] = {
            "user_id": username,
            "username": username,
            "full_name": username.title(),
            "email": f"{username}@example.kz",
            "lang": "kk",
            "roles": [],
            "regions": [],
            "councils": [],
            "active": True,
            "digest": False,
            **fields,
        }
        data = UserUpserted(**values)
        self.emit(data, aggregate=f"user:{username}")
        return data


@pytest.fixture
async def producer(settings: Settings) -> AsyncIterator[Producer]:
    p = Producer(settings)
    await p.start()
    yield p
    await p.stop()


@dataclass
class Call:
    """One request the receiver got, and what it answered."""

    headers: dict[str, str]
    body: bytes
    at: float
    answer: str


@dataclass
class Receiver:
    """A real HTTP webhook receiver on 127.0.0.1; `script(n)` decides the n-th answer."""

    script: Callable[[int], str] = lambda n: "ok"
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kelisim"

    def answer_for(self) -> str:
        with self.lock:
            return self.script(len(self.calls))

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            answer = receiver.answer_for()
            receiver.record(Call(dict(self.headers.items()), body, time.time(), answer))
            if answer == "timeout":
                time.sleep(1.5)  # the sender gives up first; the call did arrive
                answer = "ok"
            if answer == "slow":
                time.sleep(0.3)  # a slow receiver, within the sender's timeout
                answer = "ok"
            code = {"ok": 200, "500": 500, "503": 503, "410": 410, "429": 429}[answer]
            self.send_response(code)
            if code == 429:
                self.send_header("Retry-After", "1")
            self.send_header("content-length", "0")
            self.end_headers()

    return Handler


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    """Start real HTTP receivers; each is shut down after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(script: Callable[[int], str] = lambda n: "ok") -> Receiver:
        receiver = Receiver(script=script)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver), bind_and_activate=False)
        server.request_queue_size = 128
        server.server_bind()
        server.server_activate()
        server.daemon_threads = True
        receiver.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class Mailbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Any]:
        return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on a free port."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def settings(make_settings: Callable[..., Settings], clean_nats: str) -> Settings:
    """Settings with the notifications clocks scaled to seconds (tests tweak with model_copy)."""
    return make_settings(
        notifications_poll_seconds=0.05,
        webhook_timeout_seconds=0.5,
        webhook_retry_scale=0.0005,
    )


def admin(settings: Settings) -> dict[str, str]:
    return bearer(settings, "notifications", sub="admin", roles=["admin"])


def as_json(body: bytes) -> Any:
    return json.loads(body)
