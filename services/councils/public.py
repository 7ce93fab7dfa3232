"""The public read side: published protocols, their recommendations, rates, upcoming sessions.

Everything here starts from a published protocol (or a council's card, or a session's time
and place) and returns only the fields listed in the shapes below: no drafts, no materials,
no usernames, no recorder of a response, no person responsible at the addressee. Council
members appear by name and position only inside a published document, as its signers and
voters. Routes in api/public.py are the only callers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim.clock import now
from kelisim.localtime import local_date
from kelisim.recommendations import PublicStatus
from services.councils import rules
from services.councils.models import (
    AgendaItem,
    Council,
    Protocol,
    ProtocolDocument,
    Recommendation,
    RecommendationResponse,
    Session,
)
from services.councils.queries import answer, responses_by, today
from services.councils.rendering import LANGS, correction_reason

# Carried out, in full or in part: a practice note may be drawn from it.
DONE = ("implemented", "partially_implemented")


class PublicCouncil(BaseModel):
    id: str
    name: str
    level: str
    region: str | None
    attached_to: str


class PublicDocument(BaseModel):
    lang: str
    sha256: str
    size: int


class PublicCorrection(BaseModel):
    """A published correction of a protocol: when it was published and why it was made."""

    id: str
    published_at: datetime
    reason: str


class PublicProtocolSummary(BaseModel):
    id: str
    council_id: str
    council_name: str
    region: str | None
    session_id: str
    session_title: str
    session_starts_at: datetime
    published_at: datetime
    sha256: str
    corrects_id: str | None
    corrected_by: list[str] = []
    corrections: list[PublicCorrection] = []


class PublicProtocol(PublicProtocolSummary):
    lang: str
    document: dict[str, Any]
    documents: list[PublicDocument]


class PublicResponse(BaseModel):
    status: str
    text: str
    recorded_at: datetime


class PublicRecommendation(BaseModel):
    id: str
    council_id: str
    council_name: str
    region: str | None
    protocol_id: str
    addressee: str
    text: str
    decided_on: date = Field(description="the day, in Kazakhstan, the council sat and decided")
    issued_at: datetime = Field(description="when the recommendation was recorded in Kelisim")
    due_date: date
    status: PublicStatus
    implemented_on: date | None
    responses: list[PublicResponse]


class PublicRate(BaseModel):
    key: str
    issued: int
    counted: int
    on_time: int
    late: int
    partly: int = 0
    not_done: int
    rate: float | None


class PublicSession(BaseModel):
    id: str
    council_id: str
    council_name: str
    region: str | None
    title: str
    starts_at: datetime
    place: str
    status: str
    sequence: int = 0
    updated_at: datetime
    moved_from: datetime | None = Field(
        default=None, description="rescheduled: the time it was last moved from"
    )
    reason: str | None = Field(
        default=None,
        description="why it was last rescheduled or cancelled, as published with the change",
    )


class Verification(BaseModel):
    sha256: str
    authentic: bool
    match: Literal["protocol", "document"] | None = None
    lang: str | None = None
    protocol: PublicProtocolSummary | None = None


def published(db: DbSession, **where: str | None) -> list[tuple[Protocol, Council, Session]]:
    """Published protocols, newest first, of a council or a region when given."""
    query = (
        select(Protocol, Council, Session)
        .join(Council, col(Council.id) == Protocol.council_id)
        .join(Session, col(Session.id) == Protocol.session_id)
        .where(Protocol.status == "published")
    )
    if where.get("council_id"):
        query = query.where(Protocol.council_id == where["council_id"])
    if where.get("region"):
        query = query.where(Council.region == where["region"])
    if where.get("protocol_id"):
        query = query.where(Protocol.id == where["protocol_id"])
    if where.get("sha256"):
        query = query.where(Protocol.sha256 == where["sha256"])
    query = query.order_by(col(Protocol.published_at).desc(), col(Protocol.id).desc())
    return [(protocol, council, session) for protocol, council, session in db.exec(query).all()]


def summary(
    db: DbSession, protocol: Protocol, council: Council, session: Session
) -> dict[str, Any]:
    """A published protocol's card: what, where, when, its hash and its published corrections
    (each with its day and its reason, which the original's signed PDFs cannot print)."""
    corrections = db.exec(
        select(Protocol)
        .where(Protocol.corrects_id == protocol.id, Protocol.status == "published")
        .order_by(col(Protocol.published_at), col(Protocol.id))
    ).all()
    assert protocol.published_at is not None and protocol.sha256 is not None
    return {
        "id": protocol.id,
        "council_id": council.id,
        "council_name": council.name,
        "region": council.region,
        "session_id": session.id,
        "session_title": session.title,
        "session_starts_at": session.starts_at,
        "published_at": protocol.published_at,
        "sha256": protocol.sha256,
        "corrects_id": protocol.corrects_id,
        "corrected_by": [c.id for c in corrections],
        "corrections": [
            {"id": c.id, "published_at": c.published_at, "reason": correction_reason(c.content)}
            for c in corrections
        ],
    }


def documents_of(db: DbSession, protocol_id: str) -> list[ProtocolDocument]:
    """The signed PDFs of a protocol, the state language's first (kk, ru, en)."""
    query = select(ProtocolDocument).where(ProtocolDocument.protocol_id == protocol_id)
    found = db.exec(query).all()
    return sorted(found, key=lambda d: LANGS.index(d.lang) if d.lang in LANGS else len(LANGS))


def document(db: DbSession, protocol_id: str, lang: str) -> ProtocolDocument | None:
    """A published protocol's signed PDF in one language."""
    if not published(db, protocol_id=protocol_id):
        return None
    return db.exec(
        select(ProtocolDocument).where(
            ProtocolDocument.protocol_id == protocol_id, ProtocolDocument.lang == lang
        )
    ).first()


def status_of(
    rec: Recommendation, responses: list[RecommendationResponse], on: date
) -> tuple[PublicStatus, date | None]:
    """The public status of a recommendation on `on`, and the day it was carried out."""
    return rules.follow_up(rec.due_date, [answer(r) for r in responses], on)


def sat_on(session: Session) -> date:
    """The day, in Kazakhstan, a session sat (and its decisions were taken)."""
    return local_date(rules.sat_at(session.starts_at, session.held_at))


def recommendations(db: DbSession, **where: str | None) -> list[PublicRecommendation]:
    """Recommendations of decisions in published protocols, by due date."""
    # Oldest first, so a published correction stands for its session over the original.
    protocols = {
        session.id: (protocol, council, sat_on(session))
        for protocol, council, session in reversed(published(db))
    }
    if not protocols:
        return []
    items = dict(
        db.exec(
            select(AgendaItem.id, AgendaItem.session_id).where(
                col(AgendaItem.session_id).in_(list(protocols))
            )
        ).all()
    )
    query = select(Recommendation).where(col(Recommendation.item_id).in_(list(items)))
    for field in ("council_id", "region", "addressee"):
        if where.get(field):
            query = query.where(getattr(Recommendation, field) == where[field])
    rows = db.exec(query.order_by(col(Recommendation.due_date), col(Recommendation.id))).all()
    answers = responses_by(db, [r.id for r in rows])
    on = today()
    result = []
    for rec in rows:
        protocol, council, decided_on = protocols[items[rec.item_id]]
        responses = answers.get(rec.id, [])
        status, implemented_on = status_of(rec, responses, on)
        if where.get("status") and status != where["status"]:
            continue
        result.append(
            PublicRecommendation(
                id=rec.id,
                council_id=council.id,
                council_name=council.name,
                region=council.region,
                protocol_id=protocol.id,
                addressee=rec.addressee,
                text=rec.text,
                decided_on=decided_on,
                issued_at=rec.issued_at,
                due_date=rec.due_date,
                status=status,
                implemented_on=implemented_on,
                responses=[
                    PublicResponse(status=r.status, text=r.text, recorded_at=r.recorded_at)
                    for r in responses
                ],
            )
        )
    return result


def rates(
    items: list[PublicRecommendation], by: Literal["addressee", "region"], start: date, end: date
) -> list[PublicRate]:
    """The on-time rate per state body or region of recommendations due within [start, end].

    A recommendation counts once its due date has passed or its addressee gave a final answer
    (implemented, or not implemented); one carried out in part is in progress until its due
    date and counted as partly implemented after it, as the list says. The rate is the share
    of those counted carried out in full by their due date (None when none counts yet).
    """
    on = today()
    kinds = {
        "implemented": "on_time",
        "implemented_late": "late",
        "partially_implemented": "partly",
    }
    final = ("implemented", "implemented_late", "not_implemented")
    table: dict[str, dict[str, int]] = {}
    for rec in items:
        if not start <= rec.due_date <= end:
            continue
        row = table.setdefault(
            getattr(rec, by) or "KZ",
            {"issued": 0, "counted": 0, "on_time": 0, "late": 0, "partly": 0, "not_done": 0},
        )
        row["issued"] += 1
        if rec.status in final or rec.due_date < on:
            row["counted"] += 1
            row[kinds.get(rec.status, "not_done")] += 1
    return [
        PublicRate(key=key, **row, rate=row["on_time"] / row["counted"] if row["counted"] else None)
        for key, row in sorted(table.items())
    ]


def upcoming_sessions(
    db: DbSession, *, cancelled: bool = False, **where: str | None
) -> list[PublicSession]:
    """Planned and convened sessions from now on: when, where, which council (no links);
    with `cancelled`, also those called off, which a calendar must learn of."""
    statuses = ["planned", "convened", *(["cancelled"] if cancelled else [])]
    query = (
        select(Session, Council)
        .join(Council, col(Council.id) == Session.council_id)
        .where(col(Session.status).in_(statuses), Session.starts_at >= now())
    )
    if where.get("council_id"):
        query = query.where(Session.council_id == where["council_id"])
    if where.get("region"):
        query = query.where(Council.region == where["region"])
    rows = db.exec(query.order_by(col(Session.starts_at), col(Session.id))).all()
    return [
        PublicSession(
            id=session.id,
            council_id=council.id,
            council_name=council.name,
            region=council.region,
            title=session.title,
            starts_at=session.starts_at,
            place=session.place,
            status=session.status,
            sequence=session.sequence,
            updated_at=session.updated_at,
            moved_from=session.moved_from,
            reason=session.public_reason,
        )
        for session, council in rows
    ]


def verify(db: DbSession, sha256: str) -> Verification:
    """Whether a hash is a published protocol's, or one of its signed PDF files'."""
    rows = published(db, sha256=sha256)
    if rows:
        return Verification(
            sha256=sha256, authentic=True, match="protocol", protocol=summary(db, *rows[0])
        )
    doc = db.exec(select(ProtocolDocument).where(ProtocolDocument.sha256 == sha256)).first()
    rows = published(db, protocol_id=doc.protocol_id) if doc else []
    if doc and rows:
        return Verification(
            sha256=sha256,
            authentic=True,
            match="document",
            lang=doc.lang,
            protocol=summary(db, *rows[0]),
        )
    return Verification(sha256=sha256, authentic=False)
