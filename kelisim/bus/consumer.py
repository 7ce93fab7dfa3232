"""The idempotent consumer: a durable pull consumer whose handlers apply each event once.

Messages are pulled continuously: one pull request for up to a batch stays open on the
server, and each message is handled the moment it arrives (nats-py's `fetch` instead waits
for the batch to fill or its timeout to pass, up to 1 s for a lone message). Idle
heartbeats tell a lost request (a server restart) from a quiet stream.

The handler runs in one database transaction that also writes the event id to the inbox;
the message is acked only after that commit. A duplicate is found in the inbox, skipped
and acked. A transient failure is nak'ed with a growing delay; a message that can never
succeed (bad envelope, unknown type, PermanentError, or MaxDeliver reached) is written to
the dead-letter table and terminated, so it never blocks the stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import structlog
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kelisim import tracing
from kelisim.bus import inbox
from kelisim.bus.connection import Bus
from kelisim.bus.dead_letter import write_dead_letter
from kelisim.bus.errors import PermanentError
from kelisim.bus.headers import ACTOR
from kelisim.events import Envelope, EventData, UnknownEventType
from kelisim.tables import Backbone
from kelisim.uow import SYSTEM, Actor, UnitOfWork

log = structlog.get_logger("kelisim.consumer")

Handler = Callable[[Envelope, EventData, UnitOfWork], None]

# A pull request stays open this long; heartbeats every HEARTBEAT s while it waits, and two
# missed ones mean the server lost the request (a restart): re-create the subscription.
PULL_EXPIRES = 10.0
HEARTBEAT = 1.0
STATUS = "Status"

# At most this many messages that have already arrived are applied in one transaction: one
# commit, one inbox read and one audit append for all (a backlog drains faster), while a lone
# message is applied at once on its own.
APPLY_BATCH = 20

OUTCOMES = Counter(
    "kelisim_consumer_messages_total", "Messages handled, by outcome", ["consumer", "outcome"]
)


class RequestEnded(Exception):
    """The pull request expired or was ended by the server: open the next one."""


@dataclass(frozen=True)
class Ready:
    """A message read and matched to its handler, to be applied in a batch."""

    msg: Msg
    envelope: Envelope
    data: EventData
    handler: Handler


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service consumes from one stream: subject -> handler.

    `gather`: seconds a message may wait for others to join its transaction (0: applied at
    once). Only for consumers that no one waits on (analytics' counting): one commit, one
    inbox read and one audit append then serve many events, where a steady trickle would
    cost a transaction each, CPU the processes on an escalation's path need.
    """

    stream: str
    handlers: Mapping[str, Handler]
    gather: float = 0.0


class Consumer:
    """Consumes one stream for one service, exactly-once in effect."""

    def __init__(
        self,
        engine: Engine,
        tables: Backbone,
        bus: Bus,
        *,
        service: str,
        spec: ConsumerSpec,
        max_deliver: int = 8,
        ack_wait: float = 30.0,
        batch_size: int = 50,
        nak_base: float = 0.5,
        nak_max: float = 60.0,
        on_commit: Callable[[], None] | None = None,
        waker: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.bus = bus
        self.service = service
        self.spec = spec
        self.durable = service
        self.name = f"{service}<-{spec.stream}"
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.batch_size = batch_size
        self.nak_base = nak_base
        self.nak_max = nak_max
        self.on_commit = on_commit
        self.waker = waker
        self.ready = False

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            max_ack_pending=1000,
            filter_subjects=sorted(self.spec.handlers),
        )

    async def _pull(self, sub: Subscription) -> None:
        """One open pull request: handle each message as it arrives, until the request ends."""
        nc = self.bus.nc
        assert nc is not None
        request = {
            "batch": self.batch_size,
            "expires": int(PULL_EXPIRES * 1e9),
            "idle_heartbeat": int(HEARTBEAT * 1e9),
        }
        await nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{self.spec.stream}.{self.durable}",
            json.dumps(request).encode(),
            reply=sub.subject,
        )
        received = 0
        while received < self.batch_size:
            msg = await sub.next_msg(timeout=HEARTBEAT * 3)  # TimeoutError: request lost
            if not self._is_message(msg):
                continue  # an idle heartbeat
            # What has already arrived behind it (or, gathering, arrives within `gather` s)
            # is applied with it, in one transaction.
            batch, status = [msg], None
            gather_until = asyncio.get_running_loop().time() + self.spec.gather
            while received + len(batch) < self.batch_size and len(batch) < APPLY_BATCH:
                if sub.pending_msgs:
                    more = await sub.next_msg(timeout=HEARTBEAT)
                else:
                    left = gather_until - asyncio.get_running_loop().time()
                    if left <= 0:
                        break
                    try:
                        more = await sub.next_msg(timeout=left)
                    except TimeoutError:
                        break
                if not more.reply:
                    status = more  # handled once the messages before it are
                    break
                batch.append(more)
            received += len(batch)
            await self.handle_batch(batch)
            if status is not None:
                self._is_message(status)

    @staticmethod
    def _is_message(msg: Msg) -> bool:
        """True for a message, False for an idle heartbeat; raises RequestEnded when the
        pull request expired or ended (open the next), ConnectionError when it failed."""
        # A status (heartbeat, end of request) has no reply subject; a message acks on one.
        if msg.reply:
            return True
        status = (msg.headers or {}).get(STATUS)
        if status == "100" or not status:
            return False
        if status in ("404", "408"):
            raise RequestEnded
        description = (msg.headers or {}).get("Description", "")
        raise ConnectionError(f"pull request ended: {status} {description}")

    async def run(self) -> None:
        """Pull and handle forever; after a failure, provision the consumer and pull again."""
        # One inbox for the consumer's life (nats-py re-subscribes it after a reconnect), so
        # messages of a request given up as lost still arrive and are handled, not stranded.
        sub: Subscription | None = None
        provisioned = False
        backoff = 0.1
        while True:
            try:
                nc, js = self.bus.nc, self.bus.js
                if nc is None or js is None or not self.bus.connected:
                    raise ConnectionError("NATS is not connected")
                if sub is None:
                    sub = await nc.subscribe(nc.new_inbox())
                if not provisioned:
                    await js.add_consumer(self.spec.stream, self.config())
                    provisioned = self.ready = True
                    backoff = 0.1
                await self._pull(sub)
            except RequestEnded:
                continue  # the request expired or ended: open the next one
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - server restart, lost consumer, outage
                log.warning("consumer.repull", consumer=self.name, error=repr(exc))
                provisioned = self.ready = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Apply messages that arrived together in one transaction; acked after its commit.

        Unreadable ones are dead-lettered and ones without a handler acked, as alone. If
        the transaction fails, each message is applied again on its own (`handle`), so a
        failure is retried or dead-lettered for the one message that caused it.
        """
        if len(msgs) == 1:
            await self.handle(msgs[0])
            return
        ready: list[Ready] = []
        for msg in msgs:
            try:
                envelope = Envelope.model_validate_json(msg.data)
                data = envelope.payload()
            except (ValidationError, UnknownEventType, ValueError):
                await self.handle(msg)  # dead-lettered there, with its reason
                continue
            handler = self.spec.handlers.get(envelope.nats_subject)
            if handler is None:
                await msg.ack()
                self._count("ignored")
                continue
            ready.append(Ready(msg, envelope, data, handler))
        if len(ready) == 1:
            await self.handle(ready[0].msg)
            return
        if not ready:
            return
        try:
            applied = await asyncio.to_thread(self._apply_batch, ready)
        except Exception as exc:  # noqa: BLE001 - whichever message it was, alone it tells
            log.info("consumer.batch_split", consumer=self.name, size=len(ready), error=repr(exc))
            for item in ready:
                await self.handle(item.msg)
            return
        for item, was_applied in zip(ready, applied, strict=True):
            await item.msg.ack()
            log.info(
                "consumer.handled",
                consumer=self.name,
                event_id=item.envelope.id,
                subject=item.envelope.nats_subject,
                applied=was_applied,
                batch=len(ready),
            )
            self._count("applied" if was_applied else "duplicate")

    def _apply_batch(self, ready: list[Ready]) -> list[bool]:
        """Each message's handler and inbox row in one unit of work, in arrival order."""
        with self._unit_of_work(SYSTEM) as uow:
            seen = inbox.seen(
                uow.conn, self.tables.inbox, self.name, (i.envelope.id for i in ready)
            )
            applied = []
            for item in ready:
                if item.envelope.id in seen:  # applied before, or twice in this batch
                    applied.append(False)
                    continue
                seen.add(item.envelope.id)
                headers = item.msg.headers or {}
                uow.actor = Actor(headers.get(ACTOR, "system"))
                name = f"{self.name} {item.msg.subject}"
                with tracing.consuming(headers, name) as span:
                    item.handler(item.envelope, item.data, uow)
                    span.set_attribute("kelisim.outcome", "applied")
                inbox.mark_applied(uow.conn, self.tables.inbox, self.name, item.envelope)
                applied.append(True)
            uow.commit()
        return applied

    async def handle(self, msg: Msg) -> str:
        """Handle one message; returns the outcome (applied, duplicate, ignored, retry, dead).

        In a consumer span continuing the trace the message headers carry (kelisim.tracing).
        """
        with tracing.consuming(msg.headers or {}, f"{self.name} {msg.subject}") as span:
            outcome = await self._handle(msg)
            span.set_attribute("kelisim.outcome", outcome)
        return outcome

    async def _handle(self, msg: Msg) -> str:
        deliveries = msg.metadata.num_delivered if msg.reply else 1
        try:
            envelope = Envelope.model_validate_json(msg.data)
            data = envelope.payload()
        except (ValidationError, UnknownEventType, ValueError) as exc:
            return await self._dead(msg, None, f"unreadable event: {exc}", deliveries)
        handler = self.spec.handlers.get(envelope.nats_subject)
        if handler is None:
            await msg.ack()
            return self._count("ignored")
        try:
            applied = await asyncio.to_thread(
                self._apply, envelope, data, msg.headers or {}, handler
            )
        except PermanentError as exc:
            return await self._dead(msg, envelope, f"permanent: {exc!r}", deliveries)
        except Exception as exc:  # noqa: BLE001 - transient until MaxDeliver says otherwise
            if deliveries >= self.max_deliver:
                return await self._dead(msg, envelope, f"gave up: {exc!r}", deliveries)
            delay = min(self.nak_base * 2 ** (deliveries - 1), self.nak_max)
            log.warning(
                "consumer.retry",
                consumer=self.name,
                event_id=envelope.id,
                deliveries=deliveries,
                delay=delay,
                error=repr(exc),
            )
            await msg.nak(delay=delay)
            return self._count("retry")
        await msg.ack()
        log.info(
            "consumer.handled",
            consumer=self.name,
            event_id=envelope.id,
            subject=envelope.nats_subject,
            applied=applied,
        )
        return self._count("applied" if applied else "duplicate")

    def apply_envelope(self, envelope: Envelope, headers: Mapping[str, str] | None = None) -> bool:
        """Apply one event read outside a delivery (a rebuild from the stream), inbox-guarded."""
        handler = self.spec.handlers.get(envelope.nats_subject)
        if handler is None:
            return False
        return self._apply(envelope, envelope.payload(), headers or {}, handler)

    def _apply(
        self, envelope: Envelope, data: EventData, headers: Mapping[str, str], handler: Handler
    ) -> bool:
        with self._unit_of_work(Actor(headers.get(ACTOR, "system"))) as uow:
            if inbox.seen(uow.conn, self.tables.inbox, self.name, [envelope.id]):
                return False
            handler(envelope, data, uow)
            inbox.mark_applied(uow.conn, self.tables.inbox, self.name, envelope)
            try:
                uow.commit()
            except IntegrityError:
                if self._applied(envelope.id):
                    return False  # another replica applied it first
                raise  # a real constraint violation: retried, then dead-lettered
        return True

    def _applied(self, event_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(inbox.seen(conn, self.tables.inbox, self.name, [event_id]))

    def _unit_of_work(self, actor: Actor) -> UnitOfWork:
        return UnitOfWork(
            self.engine,
            self.tables,
            source=f"/kelisim/{self.service}",
            actor=actor,
            on_commit=self.on_commit,
            waker=self.waker,
        )

    async def _dead(self, msg: Msg, envelope: Envelope | None, error: str, deliveries: int) -> str:
        event_id = envelope.id if envelope else (msg.headers or {}).get("Nats-Msg-Id", "?")
        log.error("consumer.dead_letter", consumer=self.name, event_id=event_id, error=error)
        await asyncio.to_thread(
            write_dead_letter, self.engine, self.tables, self.name, msg, event_id, error, deliveries
        )
        await msg.term()
        return self._count("dead")

    def _count(self, outcome: str) -> str:
        OUTCOMES.labels(self.name, outcome).inc()
        return outcome
