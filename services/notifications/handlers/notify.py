"""From an event to people: apply the rules, write in-app notifications and e-mails.

In-app notifications are stored once per event and rule with their audience (a role in a
region or council, or one user the event names: a case's mediator, a practice note's author)
and matched against the caller's verified token when read, so a user who loses a role or a
region stops seeing its notifications at once. E-mails are fanned out when written, against
the recipient directory kept from identity events.

Nobody is told of what they did themselves: the person who caused an event (its envelope's
actor, `Kelisim-Actor`; none for the system's own work) is left out of every audience of its
rules, here in `audience_of` alone: a rule to one person the event names reaches nobody when
that person is the actor, and a role audience keeps the actor as `actor`, whom neither the
inbox (`queries.visible_to`) nor the e-mail fan-out (`recipient_matches`) reaches.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from kelisim import links
from kelisim.db import LIKE_ESCAPE, containing
from kelisim.events import Envelope, EventData
from kelisim.events.notifications import NotificationCreated
from kelisim.rows import insert_rows, row_of
from kelisim.uow import SYSTEM, UnitOfWork
from services.notifications import messages
from services.notifications.lifecycle import email_start
from services.notifications.models import EmailMessage, Notification, Recipient, Rule
from services.notifications.schemas import PERSON_FIELDS


def recipient_matches(r: Recipient, note: HasAudience) -> bool:
    """Whether a person in the directory is in a notification's audience."""
    if note.actor is not None and r.username == note.actor:
        return False  # who caused the event is not told of it
    if note.audience_user is not None:
        return r.username == note.audience_user
    if note.audience_role not in json.loads(r.roles):
        return False
    if note.region is not None and note.region not in json.loads(r.regions):
        return False
    return note.council_id is None or note.council_id in json.loads(r.councils)


def audience_of(
    rule: Rule, params: dict[str, Any], actor: str | None = None
) -> dict[str, Any] | None:
    """The audience columns of a rule applied to an event caused by `actor` (None: by the
    system), who is left out of it; None when it reaches nobody."""
    if rule.audience in PERSON_FIELDS:  # one person the event names: its mediator, its author
        person = params.get(PERSON_FIELDS[rule.audience])
        return {"audience_user": person} if person and person != actor else None
    scope: dict[str, Any] = {"audience_role": rule.role, "region": None, "council_id": None}
    if actor is not None:
        scope["actor"] = actor
    if rule.scope == "region":
        if not params.get("region"):
            return None
        scope["region"] = params["region"]
    elif rule.scope == "council":
        if not params.get("council_id"):
            return None
        scope["council_id"] = params["council_id"]
    return scope


def notify(
    uow: UnitOfWork,
    *,
    source_event_id: str,
    topic: str,
    params: dict[str, Any],
    audience: dict[str, Any],
    rule_id: str | None = None,
    in_app: bool = True,
    email: bool = False,
    people: Sequence[Recipient] | None = None,
    link: str | None = None,
) -> str:
    """Write one in-app notification (and its e-mails), audited, with its event; its id.

    `people`: the audience's directory as `audience_people` read it before the caller wrote
    anything; read here when not given. `link`: the page the e-mails link to. The rows are
    written by Core (`kelisim.rows.insert_rows`): nothing reads them back as entities.
    """
    if email and people is None:
        people = audience_people(uow, Audience(**audience))
    note = row_of(
        Notification,
        source_event_id=source_event_id,
        rule_id=rule_id,
        topic=topic,
        summary=messages.summary(topic, params)[:1000],
        params=json.dumps(params, default=str),
        in_app=in_app,
        **audience,
    )
    insert_rows(uow.conn, Notification, [note])
    note_id: str = note["id"]
    if email:
        _queue_emails(uow, note_id, topic, params, people or (), link)
    uow.audit(
        "notification.created",
        "notification",
        note_id,
        after={"topic": topic, "rule": rule_id, **audience},
    )
    user, role = audience.get("audience_user"), audience.get("audience_role")
    uow.emit(
        NotificationCreated(
            notification_id=note_id,
            recipient=f"user:{user}" if user else f"role:{role}",
            topic=topic,
            source_event_id=source_event_id,
        ),
        aggregate=f"notification:{note_id}",
    )
    return note_id


class HasAudience(Protocol):
    """The audience columns of a notification (or of one about to be written)."""

    @property
    def audience_user(self) -> str | None: ...
    @property
    def audience_role(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def council_id(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...


@dataclass(frozen=True)
class Audience:
    """The audience columns alone, to read an audience before its notification is made."""

    audience_user: str | None = None
    audience_role: str | None = None
    region: str | None = None
    council_id: str | None = None
    actor: str | None = None


def audience_query(note: HasAudience) -> tuple[SelectOfScalar[Recipient], dict[str, Any]]:
    """The active people of the directory a notification may reach, narrowed in SQL, as a
    statement and its parameters.

    The lists are JSON text (`recipients.on_user_upserted` writes them with `json.dumps`),
    so an element is found by its quoted form: `"KZ-75"` is in `["KZ-71", "KZ-75"]`, never
    in `["KZ-750"]`. This keeps a notice from reading the whole staff directory;
    `recipient_matches` still decides.
    """
    if note.audience_user is not None:
        return _audience(True, ()), {"user": note.audience_user}
    wanted = {"roles": note.audience_role, "regions": note.region, "councils": note.council_id}
    params = {name: containing(json.dumps(v)) for name, v in wanted.items() if v is not None}
    return _audience(False, tuple(params)), params


@functools.cache
def _audience(by_user: bool, lists: tuple[str, ...]) -> SelectOfScalar[Recipient]:
    """The audience statement of one shape, built once: building and keying it per notice
    was 40% of the audience query's cost."""
    query = select(Recipient).where(col(Recipient.active).is_(True))
    if by_user:
        return query.where(Recipient.username == bindparam("user"))
    for name in lists:
        query = query.where(col(getattr(Recipient, name)).like(bindparam(name), escape=LIKE_ESCAPE))
    return query


def audience_people(uow: UnitOfWork, note: HasAudience) -> list[Recipient]:
    """The people of the directory an audience reaches who have an e-mail address."""
    query, values = audience_query(note)
    found = uow.session.exec(query, params=values).all()
    return [person for person in found if person.email and recipient_matches(person, note)]


def _queue_emails(
    uow: UnitOfWork,
    note_id: str,
    topic: str,
    params: dict[str, Any],
    people: Iterable[Recipient],
    link: str | None = None,
) -> None:
    rendered: dict[str, tuple[str, str]] = {}  # by language: the same words for everyone
    rows = []
    for person in people:
        lang = messages.lang_of(person.lang)
        if lang not in rendered:
            title, body = messages.title_and_body(topic, lang, params)
            rendered[lang] = title, messages.email_body(lang, body, link)
        subject, text = rendered[lang]
        rows.append(
            row_of(
                EmailMessage,
                username=person.username,
                to_address=str(person.email),
                lang=lang,
                subject=subject,
                body=text,
                notification_id=note_id,
                status=email_start(person.digest),
            )
        )
    insert_rows(uow.conn, EmailMessage, rows)


# Built once (every event of a subject with rules runs it): see services/cases/queries.py.
_RULES = (
    select(Rule)
    .where(Rule.subject == bindparam("subject"), col(Rule.enabled).is_(True))
    .order_by(Rule.id)
)


@dataclass(frozen=True)
class Planned:
    """A rule that reaches someone with an event, and whom it e-mails."""

    rule: Rule
    audience: dict[str, Any]
    people: list[Recipient]


@dataclass(frozen=True)
class Plan:
    """What an event's rules will write, and the event's values with the full names of the
    people it names (`with_full_names`), all read before anything is written."""

    steps: list[Planned]
    params: dict[str, Any]


def plan(uow: UnitOfWork, topic: str, params: dict[str, Any]) -> Plan:
    """What the enabled rules of a topic will write for an event, read before it is written.

    A handler that plans first and writes after has its rows flushed once, at the commit,
    rather than once at each read between its writes (the names' read too: after a write,
    it flushed the handler's rows on its own).
    """
    rules: Iterable[Rule] = uow.session.exec(_RULES, params={"subject": topic}).all()
    actor = None if uow.actor == SYSTEM else uow.actor.username
    steps = []
    for rule in rules:
        audience = audience_of(rule, params, actor)
        if audience is None or not (rule.in_app or rule.email):
            continue
        people = audience_people(uow, Audience(**audience)) if rule.email else []
        steps.append(Planned(rule, audience, people))
    return Plan(steps, with_full_names(uow, params) if steps else params)


def dispatch(
    uow: UnitOfWork,
    source_event_id: str,
    topic: str,
    params: dict[str, Any],
    planned: Plan | None = None,
    base_url: str | None = None,
) -> int:
    """Apply every enabled rule of the topic (as `plan` read them, when given); returns how
    many notifications were written. With `base_url`, a council notice's e-mails link its
    page (`email_link`)."""
    todo = plan(uow, topic, params) if planned is None else planned
    params = todo.params
    link = email_link(base_url, topic, params)
    for step in todo.steps:
        notify(
            uow,
            source_event_id=source_event_id,
            topic=topic,
            params=params,
            audience=step.audience,
            rule_id=step.rule.id,
            in_app=step.rule.in_app,
            email=step.rule.email,
            people=step.people,
            link=link,
        )
    return len(todo.steps)


# Council pages are open to the council's members and secretary, whom council rules reach;
# whether other readers may open a page depends on roles the gateway checks at the inbox.
LINKED_DOMAINS = ("councils",)


def email_link(base_url: str | None, topic: str, params: dict[str, Any]) -> str | None:
    """The address an e-mail of a council notice links to (published minutes: their public
    page), under the gateway's public base; None for other notices or without a base."""
    if base_url is None or topic.split(".", 1)[0] not in LINKED_DOMAINS:
        return None
    path = links.public_page_of(params, topic)
    return f"{base_url}{path}" if path else None


def with_full_names(uow: UnitOfWork, params: dict[str, Any]) -> dict[str, Any]:
    """The event's values, with the full name of each staff member it names by login (its
    mediator, its author) as `<field>_name`, from the directory, so that a notice says
    "Mediator Aigerim Sapar" rather than a login; kept with the notice, so it reads the same
    later. A person the directory has no name for stays named by login (`messages._names`)."""
    names = {}
    for field in PERSON_FIELDS:
        login = params.get(field)
        person = uow.session.get(Recipient, login) if isinstance(login, str) else None
        if person is not None and person.full_name:
            names[f"{field}_name"] = person.full_name
    return {**params, **names} if names else params


def on_domain_event(
    envelope: Envelope, data: EventData, uow: UnitOfWork, base_url: str | None = None
) -> None:
    """Consumer handler: apply the notification rules of the event's subject (`base_url`:
    the gateway's public address, for the links of e-mails)."""
    params = data.model_dump(mode="json")
    dispatch(uow, envelope.id, envelope.nats_subject, params, base_url=base_url)
