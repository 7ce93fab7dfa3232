"""The read side of the cases service: what routes show and what handlers look up.

A case as the caller may see it, its parts (parties, consents, sessions, settlement,
obligations, escalations), timeline and the deadlines due; the lists and the caseload are in
services.cases.listing. Imported by routes and handlers, never importing them.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from kelisim import preconditions
from kelisim.auth import Principal
from kelisim.bus.headers import ACTOR
from kelisim.db import DriverStatement, table_of
from kelisim.problems import Problem
from kelisim.tables import Backbone
from services.cases import permissions
from services.cases.lifecycle import IN_MEDIATION, SETTLED
from services.cases.models import (
    Assignment,
    Case,
    Consent,
    Escalation,
    MediationSession,
    Obligation,
    Party,
    RaisedAlert,
    Settlement,
    Signature,
    case_aggregate,
)
from services.cases.schemas import (
    CasePublic,
    EscalationPublic,
    ObligationPublic,
    PartyPublic,
    SessionPublic,
    SettlementPublic,
    SignaturePublic,
    TimelineEntry,
)


def etag(case: Case | CasePublic) -> str:
    """The case's entity tag: a command sent with `If-Match` must name the current one."""
    return preconditions.etag_of({"id": case.id, "version": case.version})


# The reads of every case page, built once: building and cache-keying a statement on each
# call cost more than running it (issue 13, py-spy on GET /cases/{id}).
_CASE = select(Case).where(Case.id == bindparam("case_id"))
_PARTIES = select(Party).where(Party.case_id == bindparam("case_id")).order_by(Party.position)
_CONSENTS = select(Consent).where(
    Consent.case_id == bindparam("case_id"),
    Consent.purpose == bindparam("purpose"),
    col(Consent.withdrawn_at).is_(None),
)


def readable_case(session: Session, principal: Principal, case_id: str) -> Case:
    """The case if the caller may read it; 404 otherwise."""
    return permissions.readable(
        principal, session.exec(_CASE, params={"case_id": case_id}).one_or_none()
    )


def parties_of(session: Session, case_id: str) -> list[Party]:
    """The case's parties, in the order they were added."""
    return list(session.exec(_PARTIES, params={"case_id": case_id}))


def consents_of(session: Session, case_id: str, purpose: str = "mediation") -> dict[str, Consent]:
    """Live (not withdrawn) consents by party id."""
    rows = session.exec(_CONSENTS, params={"case_id": case_id, "purpose": purpose})
    return {c.party_id: c for c in rows}


def current_assignment(session: Session, case_id: str) -> Assignment | None:
    """The mediator's assignment that has not ended."""
    return session.exec(
        select(Assignment).where(Assignment.case_id == case_id, col(Assignment.ended_at).is_(None))
    ).first()


def declared_conflict(session: Session, case_id: str, mediator: str) -> bool:
    """Whether `mediator` declared a conflict of interest in this case."""
    return (
        session.exec(
            select(Assignment.id).where(
                Assignment.case_id == case_id,
                Assignment.mediator == mediator,
                col(Assignment.conflict).is_(True),
            )
        ).first()
        is not None
    )


def current_settlement(session: Session, case_id: str) -> Settlement | None:
    """The case's newest settlement agreement."""
    return session.exec(
        select(Settlement)
        .where(Settlement.case_id == case_id)
        .order_by(col(Settlement.created_at).desc())
    ).first()


def obligations_of(session: Session, case_id: str) -> list[Obligation]:
    """The obligations of the case's current settlement, by due date."""
    settlement = current_settlement(session, case_id)
    if settlement is None:
        return []
    return list(
        session.exec(
            select(Obligation)
            .where(Obligation.settlement_id == settlement.id)
            .order_by(col(Obligation.due_on))
        )
    )


def case_public(session: Session, case: Case, *, personal: bool) -> CasePublic:
    """The case as shown: parties and description only when `personal`. In a unit of work the
    rows are read as flushed (kelisim.commands flushes before it shapes an answer)."""
    return _shaped(session, case, personal)


def case_for(session: Session, principal: Principal, case: Case) -> CasePublic:
    """The case as this caller may see it."""
    return case_public(session, case, personal=permissions.sees_personal_data(principal, case))


# GET /cases/{id} by the driver (kelisim.db.DriverStatement.typed_rows): the rows' values as
# the ORM gives them, without its objects, identity map and per-execution work (issue 13,
# py-spy: the three ORM reads were half of the service's time on a case page).
_CASE_TABLE, _PARTY_TABLE, _CONSENT_TABLE = table_of(Case), table_of(Party), table_of(Consent)
_CASE_ROW = _CASE_TABLE.select().where(_CASE_TABLE.c.id == bindparam("case_id"))
_PARTY_ROWS = (
    _PARTY_TABLE.select()
    .where(_PARTY_TABLE.c.case_id == bindparam("case_id"))
    .order_by(_PARTY_TABLE.c.position)
)
_CONSENTED = select(_CONSENT_TABLE.c.party_id).where(
    _CONSENT_TABLE.c.case_id == bindparam("case_id"),
    _CONSENT_TABLE.c.purpose == "mediation",
    _CONSENT_TABLE.c.withdrawn_at.is_(None),
)


def case_page(session: Session, principal: Principal, case_id: str) -> CasePublic:
    """One case as the caller may see it (404 if they may not read it): what `readable_case`
    and `case_for` give, read by the driver. A row stands for the case: the rules read its
    columns by name, as they read a `Case`."""
    conn = session.connection()
    found = DriverStatement.of(_CASE_ROW, conn.dialect).typed_rows(conn, {"case_id": case_id})
    case = permissions.readable(principal, found[0] if found else None)
    return _shaped(session, case, permissions.sees_personal_data(principal, case))


def _shaped(session: Session, case: Case, personal: bool) -> CasePublic:
    """The case (an entity or a row) with its parties read by the driver: the one shape of a
    case's answer, for the page and after a command."""
    conn = session.connection()
    params = {"case_id": case.id}
    parties = DriverStatement.of(_PARTY_ROWS, conn.dialect).typed_rows(conn, params)
    shown = None
    if personal:
        consented = {
            row.party_id for row in DriverStatement.of(_CONSENTED, conn.dialect).rows(conn, params)
        }
        shown = [
            PartyPublic.model_validate({**p._asdict(), "consented": p.id in consented})
            for p in parties
        ]
    return _public(case, personal, shown, len(parties))


def _public(
    case: Case, personal: bool, parties: list[PartyPublic] | None, count: int
) -> CasePublic:
    return CasePublic(
        id=case.id,
        number=case.number,
        region=case.region,
        category=case.category,
        channel=case.channel,
        status=case.status,
        registered_at=case.registered_at,
        registered_by=case.registered_by,
        mediator=case.mediator,
        declared=case.declared,
        refusal_reasons=case.refusal_reasons.split(",") if case.refusal_reasons else [],
        agreement_signed_on=case.agreement_signed_on,
        deadline=case.deadline,
        extended=case.extended,
        outcome=case.outcome,
        escalated=case.escalated,
        version=case.version,
        personal_data=personal,
        description=case.description if personal else None,
        parties=parties,
        party_count=count,
    )


def timeline(session: Session, tables: Backbone, case: Case, details: bool) -> list[TimelineEntry]:
    """Every step of the case in order (audit entries and events), with who and when."""
    log, outbox = tables.audit_log, tables.outbox
    entries = [
        TimelineEntry(
            at=row.at,
            kind="audit",
            actor=row.actor,
            action=row.action,
            details=json.loads(row.after) if details and row.after else None,
        )
        for row in session.connection().execute(
            log.select()
            .where(log.c.entity == "case", log.c.entity_id == case.id)
            .order_by(log.c.seq)
        )
    ]
    for row in session.connection().execute(
        outbox.select().where(outbox.c.aggregate == case_aggregate(case.id)).order_by(outbox.c.seq)
    ):
        envelope = json.loads(row.envelope)
        entries.append(
            TimelineEntry(
                at=row.created_at,
                kind="event",
                actor=json.loads(row.headers).get(ACTOR),
                action=envelope["type"],
                details={"event_id": row.event_id, "sent": row.sent_at is not None}
                if details
                else None,
            )
        )
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "audit" else 1))
    return entries


def session_public(session: MediationSession, *, notes: bool) -> SessionPublic:
    """A session; its notes only for the assigned mediator."""
    return SessionPublic(
        id=session.id,
        scheduled_at=session.scheduled_at,
        place=session.place,
        status=session.status,
        attendance=[a for a in session.attendance.split(",") if a],
        reason=session.reason,
        reason_code=session.reason_code,
        notes=session.notes if notes else None,
    )


def sessions_of(session: Session, principal: Principal, case: Case) -> list[SessionPublic]:
    """The case's sessions by date; notes only for the assigned mediator."""
    notes = permissions.sees_notes(principal, case)
    rows = session.exec(
        select(MediationSession)
        .where(MediationSession.case_id == case.id)
        .order_by(col(MediationSession.scheduled_at))
    )
    return [session_public(s, notes=notes) for s in rows]


def obligation_public(obligation: Obligation, *, personal: bool) -> ObligationPublic:
    """An obligation; what it says only for readers of personal data."""
    shown = ObligationPublic.model_validate(obligation, from_attributes=True)
    return shown if personal else shown.model_copy(update={"description": None})


def obligations_shown(session: Session, principal: Principal, case: Case) -> list[ObligationPublic]:
    """Every obligation of the case (of every settlement), by due date."""
    personal = permissions.sees_personal_data(principal, case)
    rows = session.exec(
        select(Obligation).where(Obligation.case_id == case.id).order_by(col(Obligation.due_on))
    )
    return [obligation_public(o, personal=personal) for o in rows]


def settlement_of(session: Session, case: Case) -> Settlement:
    """The case's current settlement agreement, or 404."""
    found = current_settlement(session, case.id)
    if found is None:
        raise Problem(404, "not-found", "The case has no settlement agreement.")
    return found


def settlement_public(session: Session, principal: Principal, case: Case) -> SettlementPublic:
    """The settlement agreement: terms and signatures for readers of personal data."""
    personal = permissions.sees_personal_data(principal, case)
    found = settlement_of(session, case)
    signatures = [
        SignaturePublic(party_id=s.party_id, signed_on=s.signed_on)
        for s in session.exec(select(Signature).where(Signature.settlement_id == found.id))
    ]
    return SettlementPublic(
        terms=found.terms if personal else None,
        signed_on=found.signed_on,
        document_name=found.document_name,
        media_type=found.media_type,
        document_sha256=found.document_sha256,
        signatures=signatures if personal else None,
    )


def escalation_public(escalation: Escalation, *, reason: bool) -> EscalationPublic:
    """An escalation; its internal reasoning only for those who see personal data."""
    shown = EscalationPublic.model_validate(escalation, from_attributes=True)
    return shown if reason else shown.model_copy(update={"reason": None})


def escalations_of(session: Session, principal: Principal, case: Case) -> list[EscalationPublic]:
    """The case's escalations and whether law enforcement accepted them."""
    personal = permissions.sees_personal_data(principal, case)
    rows = session.exec(
        select(Escalation)
        .where(Escalation.case_id == case.id)
        .order_by(col(Escalation.escalated_at))
    )
    return [escalation_public(e, reason=personal) for e in rows]


def running_terms(session: Session, warn_until: date) -> list[tuple[str, date]]:
    """(case id, deadline) of the cases in mediation whose term ends by `warn_until`."""
    return list(
        session.exec(
            select(Case.id, Case.deadline).where(
                Case.status == IN_MEDIATION, col(Case.deadline) <= warn_until
            )
        )
    )


def overdue_obligations(session: Session, today: date) -> list[tuple[str, str, date]]:
    """(case id, obligation id, due date) of open obligations of settled cases past due."""
    return list(
        session.exec(
            select(Obligation.case_id, Obligation.id, Obligation.due_on)
            .join(Case, col(Case.id) == Obligation.case_id)
            .where(Obligation.status == "open", Obligation.due_on < today, Case.status == SETTLED)
        )
    )


def raised_alerts(session: Session, case_ids: list[str]) -> set[tuple[str, str, date, str]]:
    """The (case, kind, due date, ref) keys of deadline alerts already raised for the cases."""
    if not case_ids:
        return set()
    rows = session.exec(
        select(RaisedAlert.case_id, RaisedAlert.kind, RaisedAlert.due_on, RaisedAlert.ref).where(
            col(RaisedAlert.case_id).in_(sorted(set(case_ids)))
        )
    )
    return {tuple(row) for row in rows}  # type: ignore[misc]
