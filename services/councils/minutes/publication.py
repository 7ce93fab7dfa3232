"""What publication adds to the minutes: the facts they print and their signed PDF files.

The PDFs are rendered and signed before the publishing transaction (a few seconds of
work that must not hold the database's write lock); the handler then stores them only if
the protocol is still the one they were made from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim import signing
from services.councils.minutes.document import Facts, Issued, Remark, Signature, render
from services.councils.models import AgendaItem, Member, Protocol, Recommendation
from services.councils.queries import remarks_of
from services.councils.rendering import LANGS


@dataclass(frozen=True)
class SignedDocument:
    """One language's signed PDF and the hashes it is known by."""

    lang: str
    content: bytes
    sha256: str
    unsigned_sha256: str


def _names(db: DbSession, council_id: str) -> dict[str, Member]:
    return {m.username: m for m in db.exec(select(Member).where(Member.council_id == council_id))}


def printed(
    db: DbSession, protocol: Protocol, published_at: datetime | None
) -> list[Recommendation]:
    """The recommendations the minutes print: those of the session's items, issued up to the
    publication (a later one is not in the signed PDFs, so not in the published minutes
    either; a correction prints it), or all of them while the minutes are unpublished."""
    items = select(AgendaItem.id).where(AgendaItem.session_id == protocol.session_id)
    query = select(Recommendation).where(col(Recommendation.item_id).in_(items))
    if published_at is not None:
        query = query.where(col(Recommendation.issued_at) <= published_at)
    order = (col(Recommendation.issued_at), col(Recommendation.id))
    return list(db.exec(query.order_by(*order)).all())


def facts_of(
    db: DbSession, protocol: Protocol, sha256: str, published_at: datetime | None
) -> Facts:
    """The signatures, remarks and recommendations the protocol's document prints."""
    members = _names(db, protocol.council_id)

    def name(username: str | None) -> str:
        member = members.get(username or "")
        return member.full_name if member else (username or "")

    signatures = tuple(
        Signature(role, name(who), at)
        for role, who, at in (
            ("chair", protocol.signed_by_chair, protocol.signed_by_chair_at),
            ("secretary", protocol.signed_by_secretary, protocol.signed_by_secretary_at),
        )
        if who
    )
    recommendations = printed(db, protocol, published_at)
    return Facts(
        protocol_id=protocol.id,
        sha256=sha256,
        published_at=published_at,
        signatures=signatures,
        remarks=tuple(
            Remark(name(r.username), r.text, r.made_at) for r in remarks_of(db, protocol)
        ),
        recommendations=tuple(
            Issued(r.item_id, r.addressee, r.text, r.due_date, r.id) for r in recommendations
        ),
    )


def sign_documents(
    content: dict[str, Any], facts: Facts, pdf_signer: Any, public_base: str
) -> list[SignedDocument]:
    """The minutes in every language, rendered and signed by the system's certificate."""
    documents = []
    for lang in LANGS:
        unsigned = render(content, facts, lang, public_base)
        signed = signing.sign_pdf(unsigned, pdf_signer, reason=f"Kelisim minutes {facts.sha256}")
        documents.append(
            SignedDocument(
                lang=lang,
                content=signed,
                sha256=hashlib.sha256(signed).hexdigest(),
                unsigned_sha256=hashlib.sha256(unsigned).hexdigest(),
            )
        )
    return documents
