"""Audit anchors: each chain head signed with a key the database does not hold, kept on NATS.

A database writer can rewrite an entry and recompute every later hash and the head, or cut
the tail and rewind the head; the chain alone still looks whole. So every process that owns
a chain signs its head (owner, seq, hash) with the audit Ed25519 key (a file in the data
folder, or `KELISIM_AUDIT_PRIVATE_KEY` in production) and publishes the checkpoint on the
`AUDIT` stream (years of retention, message deletion and purge denied). `kelisim audit
verify` then requires the recomputed chain to hold each checkpoint's hash at its seq: a
rewrite changes the hash at every later seq, a truncation leaves a checkpoint past the end.
A checkpoint only ever extends the last one: a process refuses to sign a head whose chain
no longer holds the previous checkpoint, so a rewound head is never signed afresh.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import select
from sqlalchemy.engine import Engine

from kelisim.audit import VerifyResult
from kelisim.settings import Settings
from kelisim.tables import Backbone

log = structlog.get_logger("kelisim.anchors")

SUBJECT_PREFIX = "audit.checkpoint."
PRIVATE_FILE = "audit_ed25519.pem"
PUBLIC_FILE = "audit_ed25519.pub.pem"


class AnchorError(Exception):
    """The audit key is missing, or the chain no longer holds the last checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed chain head: `owner`'s chain had `hash` at `seq` at time `at`."""

    owner: str
    seq: int
    hash: str
    at: str
    signature: str = ""

    def payload(self) -> bytes:
        return json.dumps(
            {"owner": self.owner, "seq": self.seq, "hash": self.hash, "at": self.at},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def to_json(self) -> bytes:
        body = json.loads(self.payload())
        body["sig"] = self.signature
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


# --- keys -------------------------------------------------------------------------------


def ensure_audit_key(settings: Settings, *, explicit: bool = False) -> None:
    """Create the audit key pair in the data folder if missing.

    At a process's start (not `explicit`) production refuses: its key is a managed secret.
    """
    if settings.audit_private_key or (settings.keys_dir / PRIVATE_FILE).exists():
        return
    if settings.env == "production" and not explicit:
        raise AnchorError("KELISIM_AUDIT_PRIVATE_KEY is required when KELISIM_ENV=production")
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: of processes starting together, one writes the key and the others read it.
        fd = os.open(settings.keys_dir / PRIVATE_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    _write_public(settings.keys_dir, private.public_key())


def _write_public(keys_dir: Path, public: Ed25519PublicKey) -> None:
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (keys_dir / PUBLIC_FILE).write_bytes(pem)


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The audit signing key: the setting, else the data folder's file."""
    pem = settings.audit_private_key
    path = settings.keys_dir / PRIVATE_FILE
    if not pem and not path.exists():
        raise AnchorError("no audit signing key (KELISIM_AUDIT_PRIVATE_KEY or keys/)")
    key = serialization.load_pem_private_key(pem.encode() if pem else path.read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError("the audit signing key is not an Ed25519 key")
    return key


def load_verify_key(settings: Settings) -> Ed25519PublicKey:
    """The audit public key: the setting, else the data folder's file (or the private key)."""
    if settings.audit_public_key:
        key = serialization.load_pem_public_key(settings.audit_public_key.encode())
    elif (settings.keys_dir / PUBLIC_FILE).exists():
        key = serialization.load_pem_public_key((settings.keys_dir / PUBLIC_FILE).read_bytes())
    else:
        key = load_signing_key(settings).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise AnchorError("the audit public key is not an Ed25519 key")
    return key


def sign(key: Ed25519PrivateKey, owner: str, seq: int, digest: str) -> Checkpoint:
    """A signed checkpoint of one chain head."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    unsigned = Checkpoint(owner, seq, digest, at)
    signature = base64.urlsafe_b64encode(key.sign(unsigned.payload())).decode()
    return Checkpoint(owner, seq, digest, at, signature)


def parse(data: bytes, key: Ed25519PublicKey) -> Checkpoint | None:
    """A checkpoint from its message, or None when it is malformed or its signature is wrong."""
    try:
        body = json.loads(data)
        cp = Checkpoint(str(body["owner"]), int(body["seq"]), str(body["hash"]), str(body["at"]))
        key.verify(base64.urlsafe_b64decode(body["sig"]), cp.payload())
    except (ValueError, KeyError, TypeError, InvalidSignature):
        return None
    return Checkpoint(cp.owner, cp.seq, cp.hash, cp.at, body["sig"])


# --- publishing -------------------------------------------------------------------------


def _head(engine: Engine, tables: Backbone) -> tuple[int, str] | None:
    head_t = tables.audit_head
    with engine.connect() as conn:
        row = conn.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.id == 1)).first()
    return (int(row.seq), str(row.hash)) if row is not None and row.seq else None


def _hash_at(engine: Engine, tables: Backbone, seq: int) -> str | None:
    log_t = tables.audit_log
    with engine.connect() as conn:
        found: str | None = conn.execute(
            select(log_t.c.hash).where(log_t.c.seq == seq)
        ).scalar_one_or_none()
    return found


async def last_checkpoint(
    js: JetStreamContext, owner: str, key: Ed25519PublicKey
) -> Checkpoint | None:
    """The newest checkpoint of an owner's chain on the stream, if any."""
    try:
        msg = await js.get_last_msg("AUDIT", SUBJECT_PREFIX + owner)
    except NotFoundError:
        return None
    return parse(msg.data or b"", key)


async def publish_head(
    js: JetStreamContext,
    engine: Engine,
    tables: Backbone,
    owner: str,
    key: Ed25519PrivateKey,
    previous: Checkpoint | None = None,
) -> Checkpoint | None:
    """Sign and publish the chain head unless the last checkpoint already holds it."""
    if previous is None:
        previous = await last_checkpoint(js, owner, key.public_key())
    head = await asyncio.to_thread(_head, engine, tables)
    if head is None or (previous is not None and (previous.seq, previous.hash) == head):
        return previous
    if previous is not None:
        held = await asyncio.to_thread(_hash_at, engine, tables, previous.seq)
        if held != previous.hash or head[0] < previous.seq:
            raise AnchorError(
                f"the {owner} audit chain no longer holds checkpoint seq {previous.seq}: "
                "refusing to sign its head (run `kelisim audit verify`)"
            )
    checkpoint = sign(key, owner, *head)
    msg_id = f"audit:{owner}:{head[0]}:{head[1][:16]}"
    await js.publish(SUBJECT_PREFIX + owner, checkpoint.to_json(), headers={"Nats-Msg-Id": msg_id})
    log.info("audit.anchored", owner=owner, seq=head[0])
    return checkpoint


async def run_anchor(
    js: JetStreamContext, engine: Engine, tables: Backbone, owner: str, settings: Settings
) -> None:
    """Publish the chain head every `audit_anchor_seconds` while it changes."""
    try:
        await asyncio.to_thread(ensure_audit_key, settings)
        key = await asyncio.to_thread(load_signing_key, settings)
    except AnchorError as exc:
        log.error("audit.anchor.no_key", owner=owner, error=str(exc))
        return
    previous: Checkpoint | None = None
    fresh = True
    while True:
        try:
            previous = await publish_head(
                js, engine, tables, owner, key, None if fresh else previous
            )
            fresh = False
        except AnchorError as exc:
            log.error("audit.anchor.diverged", owner=owner, error=str(exc))
            fresh = True
        except Exception as exc:  # noqa: BLE001 - NATS away: try again next round
            log.warning("audit.anchor.failed", owner=owner, error=repr(exc))
            fresh = True
        await asyncio.sleep(settings.audit_anchor_seconds)


# --- verifying --------------------------------------------------------------------------


@dataclass
class Checkpoints:
    """Every checkpoint on the stream, by owner, and how many failed their signature."""

    by_owner: dict[str, list[Checkpoint]]
    forged: int = 0


async def read_checkpoints(js: JetStreamContext, key: Ed25519PublicKey) -> Checkpoints:
    """Read the whole AUDIT stream (an ephemeral consumer, nothing acknowledged)."""
    found = Checkpoints({})
    info = await js.stream_info("AUDIT")
    remaining = info.state.messages
    if not remaining:
        return found
    config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
    sub = await js.pull_subscribe(SUBJECT_PREFIX + ">", stream="AUDIT", config=config)
    try:
        while remaining > 0:
            try:
                msgs = await sub.fetch(min(remaining, 1000), timeout=5)
            except TimeoutError:
                break
            for msg in msgs:
                remaining -= 1
                cp = parse(msg.data or b"", key)
                if cp is None or msg.subject != SUBJECT_PREFIX + cp.owner:
                    found.forged += 1
                    continue
                found.by_owner.setdefault(cp.owner, []).append(cp)
    finally:
        await sub.unsubscribe()
    return found


def compare(result: VerifyResult, checkpoints: Iterable[Checkpoint]) -> str | None:
    """What the recomputed chain contradicts among its checkpoints, or None."""
    end = result.last_seq or 0
    for cp in sorted(checkpoints, key=lambda c: c.seq):
        if cp.seq > end:
            return (
                f"checkpoint of {cp.at} names seq {cp.seq} but the chain ends at {end}: "
                "entries cut from the end"
            )
        if result.hashes.get(cp.seq) != cp.hash:
            return (
                f"checkpoint of {cp.at} signed seq {cp.seq} with another hash: "
                "entries at or before it were rewritten"
            )
    return None
