"""Loading the rows a command acts on, or 404."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from sqlmodel import Session as DbSession

from kelisim.problems import Problem
from services.councils.models import (
    AgendaItem,
    Council,
    CouncilsModel,
    Protocol,
    Recommendation,
    Session,
)

T = TypeVar("T", bound=CouncilsModel)


def version_tag(state: dict[str, Any]) -> str:
    """A strong ETag of a row's editable state."""
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def check_precondition(if_match: str | None, current: str) -> None:
    """Refuse an edit made against a version that has since changed (If-Match), with 412."""
    if if_match is None or if_match.strip() == "*":
        return
    offered = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if current not in offered:
        raise Problem(
            412,
            "precondition-failed",
            "It was changed since you read it; reload and edit again.",
            etag=current,
        )


def get(db: DbSession, model: type[T], entity_id: str, *, lock: bool = False) -> T:
    """The row, or a 404 problem naming what was not found."""
    row = db.get(model, entity_id, with_for_update=lock)
    if row is None:
        raise Problem(404, "not-found", f"No {model.__tablename__} {entity_id}.")
    return row


def session_with_council(
    db: DbSession, session_id: str, *, lock: bool = False
) -> tuple[Session, Council]:
    session = get(db, Session, session_id, lock=lock)
    return session, get(db, Council, session.council_id)


def item_with_context(
    db: DbSession, item_id: str, *, lock: bool = False
) -> tuple[AgendaItem, Session, Council]:
    item = get(db, AgendaItem, item_id, lock=lock)
    session, council = session_with_council(db, item.session_id)
    return item, session, council


def protocol_with_council(
    db: DbSession, protocol_id: str, *, lock: bool = False
) -> tuple[Protocol, Council]:
    protocol = get(db, Protocol, protocol_id, lock=lock)
    return protocol, get(db, Council, protocol.council_id)


def recommendation_with_council(
    db: DbSession, recommendation_id: str, *, lock: bool = False
) -> tuple[Recommendation, Council]:
    recommendation = get(db, Recommendation, recommendation_id, lock=lock)
    return recommendation, get(db, Council, recommendation.council_id)
