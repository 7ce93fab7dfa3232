"""The backbone tables every service database holds: outbox, inbox, dead letters, leases,
audit, and the answers kept for Idempotency-Key.

They are SQLAlchemy Core tables created on the service's own MetaData, so each service's
Alembic migrations own them like any other table and `alembic check` sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kelisim.db import UtcDateTime

SeqType = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class Backbone:
    """The backbone tables of one service database."""

    metadata: MetaData
    outbox: Table
    inbox: Table
    dead_letter: Table
    lease: Table
    audit_log: Table
    audit_head: Table
    idempotency: Table


def backbone_tables(metadata: MetaData) -> Backbone:
    """Define the backbone tables on a service's MetaData."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", SeqType, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("aggregate", String(200), nullable=False),
        Column("envelope", Text, nullable=False),
        Column("headers", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_pending", "sent_at", "seq"),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    dead_letter = Table(
        "dead_letter",
        metadata,
        Column("id", SeqType, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("headers", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("deliveries", Integer, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        UniqueConstraint("consumer", "event_id", name="uq_dead_letter_event"),
    )
    lease = Table(
        "lease",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("holder", String(100), nullable=False),
        Column("expires_at", UtcDateTime(), nullable=False),
    )
    audit_log = Table(
        "audit_log",
        metadata,
        Column("seq", SeqType, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("action", String(200), nullable=False),
        Column("entity", String(100), nullable=False),
        Column("entity_id", String(200), nullable=False),
        Column("before", Text, nullable=True),
        Column("after", Text, nullable=True),
        Column("prev_hash", String(64), nullable=False, unique=True),
        Column("hash", String(64), nullable=False, unique=True),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )
    audit_head = Table(
        "audit_head",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("seq", BigInteger, nullable=False),
        Column("hash", String(64), nullable=False),
    )
    idempotency = Table(
        "idempotency_record",
        metadata,
        Column("id", String(32), primary_key=True),
        Column("username", String(100), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_sha256", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("response", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        UniqueConstraint("username", "key", name="uq_idempotency_key"),
    )
    return Backbone(metadata, outbox, inbox, dead_letter, lease, audit_log, audit_head, idempotency)
