"""The gateway's tables: staff accounts, API keys, login throttling, and the backbone tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, MetaData
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.clock import new_id, now
from kelisim.db import UtcDateTime
from kelisim.tables import backbone_tables

metadata = MetaData()
backbone = backbone_tables(metadata)


class GatewayModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the gateway's SQLModel tables."""


def _stamp(nullable: bool = False) -> Column:
    return Column(UtcDateTime(), nullable=nullable)


class User(GatewayModel, table=True):
    """A staff account: who may log in, with which roles, in which regions and councils."""

    __tablename__ = "user_account"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    username: str = Field(index=True, unique=True, max_length=64)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    lang: str = Field(default="kk", max_length=2)
    # One e-mail folding the notices instead of one per notice (the notifications service
    # holds and folds them; it learns the choice from `identity.user.upserted`).
    email_digest: bool = Field(default=False)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    councils: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))
    token_epoch: int = Field(default=0)
    created_at: datetime = Field(default_factory=now, sa_column=_stamp())
    updated_at: datetime = Field(default_factory=now, sa_column=_stamp())


class ApiKey(GatewayModel, table=True):
    """A personal API key: only its SHA-256 is kept; the key itself is shown once."""

    __tablename__ = "api_key"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=32)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=now, sa_column=_stamp())
    last_used_at: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))


class LoginThrottle(GatewayModel, table=True):
    """Failed logins from one client address within the current window."""

    __tablename__ = "login_throttle"

    address: str = Field(primary_key=True, max_length=100)
    failures: int = Field(default=0)
    window_started: datetime = Field(default_factory=now, sa_column=_stamp())
    locked_until: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))


class WebSession(GatewayModel, table=True):
    """A signed-in browser: the session cookie is honoured only while this row is live."""

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=32)  # the cookie token's `jti`
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=32)
    address: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=now, sa_column=_stamp())
    expires_at: datetime = Field(sa_column=_stamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))
    revoked_reason: str | None = Field(default=None, max_length=40)
