"""Notification rules: which event goes to whom by which channels; added, changed, removed."""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events import EventData, schema_for
from kelisim.events.envelope import registered_types
from kelisim.preconditions import require
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.notifications import queries
from services.notifications.models import Rule
from services.notifications.schemas import PERSON_FIELDS, RuleCreate, RuleUpdate

CONSUMED_DOMAINS = ("cases", "councils", "analytics")


@dataclass(frozen=True, kw_only=True)
class CreateRule(Command):
    body: RuleCreate


@dataclass(frozen=True, kw_only=True)
class UpdateRule(Command):
    rule_id: str
    body: RuleUpdate


@dataclass(frozen=True, kw_only=True)
class DeleteRule(Command):
    rule_id: str


def schemas_of(*domains: str) -> dict[str, type[EventData]]:
    """The registered event schemas of these domains, by subject."""
    found = (schema_for(ce_type) for ce_type in registered_types())
    return {s.subject: s for s in found if s.subject.split(".", 1)[0] in domains}


def rule_subjects() -> dict[str, set[str]]:
    """Subjects a rule may name, with the fields their events carry."""
    return {
        subject: set(schema.model_fields)
        for subject, schema in schemas_of(*CONSUMED_DOMAINS).items()
    }


def check_rule(subject: str, audience: str, role: str | None, scope: str) -> None:
    """422 unless the subject is consumed and its events carry what the audience needs."""
    fields = rule_subjects().get(subject)
    if fields is None:
        raise Problem(422, "unknown-subject", f"No consumed event has the subject {subject!r}.")
    if audience in PERSON_FIELDS:
        if PERSON_FIELDS[audience] not in fields:
            raise Problem(422, "invalid-audience", f"This event names no {audience}.")
        return
    if role is None:
        raise Problem(422, "invalid-audience", "A role audience needs a role.")
    if role == "liaison":
        raise Problem(422, "invalid-audience", "Liaisons receive escalations through the feed.")
    needed = {"region": "region", "council": "council_id"}.get(scope)
    if needed and needed not in fields:
        raise Problem(422, "invalid-scope", f"This event carries no {needed}.")


def _state(rule: Rule) -> dict[str, object]:
    return rule.model_dump(mode="json", exclude={"created_at", "updated_at"})


def create_rule(cmd: CreateRule, uow: UnitOfWork) -> Rule:
    """Add a notification rule."""
    body = cmd.body
    check_rule(body.subject, body.audience, body.role, body.scope)
    rule = Rule(**body.model_dump())
    if rule.audience in PERSON_FIELDS:
        rule.role = None
    uow.session.add(rule)
    uow.audit("rule.created", "rule", rule.id, after=_state(rule))
    return rule


def update_rule(cmd: UpdateRule, uow: UnitOfWork) -> Rule:
    """Change a notification rule (refused if it changed since the caller read it)."""
    rule = queries.rule(uow.session, cmd.rule_id)
    require(cmd.if_match, queries.etag(rule))
    before = _state(rule)
    for key, value in cmd.body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(rule, key, value)
    check_rule(rule.subject, rule.audience, rule.role, rule.scope)
    if rule.audience in PERSON_FIELDS:
        rule.role = None
    rule.updated_at = now()
    uow.session.add(rule)
    uow.audit("rule.updated", "rule", rule.id, before=before, after=_state(rule))
    return rule


def delete_rule(cmd: DeleteRule, uow: UnitOfWork) -> None:
    """Remove a notification rule."""
    rule = queries.rule(uow.session, cmd.rule_id)
    before = _state(rule)
    uow.session.delete(rule)
    uow.audit("rule.deleted", "rule", cmd.rule_id, before=before)
