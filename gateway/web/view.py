"""One page view: who is looking, in which language, with what, and how the page is rendered."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import select
from starlette.datastructures import FormData

from gateway.auth import SESSION_COOKIE, csrf_matches, csrf_token, read_access_token
from gateway.deps import Caller, _user_of_claims
from gateway.models import User
from gateway.web import access, labels, refusals
from gateway.web.client import ServiceError, Services
from gateway.web.i18n import LANG_NAMES, LANGS, Formatter, choose_language
from kelisim.db import read_session
from kelisim.localtime import KAZAKHSTAN
from kelisim.problems import Problem
from kelisim.regions import REGIONS
from kelisim.uow import SYSTEM

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORM_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class LoginRequired(Exception):
    """The page needs a logged-in user: the browser goes to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


# The id of a field the form macros write (`f-<name>`), and a label's reference to it.
_FIELD_ID = re.compile(r'\b(id|for)="f-')


def form_scope(html: str, key: str) -> Markup:
    """One form's fields given ids of their own (`f-<key>-<name>`). A page with several forms
    that share a field's name (each step's reason) repeated its id, and every label of that
    name pointed at the first form's field."""
    scope = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    return Markup(_FIELD_ID.sub(rf'\1="f-{scope}-', str(html)))


def build_environments(catalogs: Mapping[str, Any]) -> dict[str, Environment]:
    """One Jinja environment per language, each with its gettext catalog installed."""
    envs = {}
    for lang, translations in catalogs.items():
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        env.filters["form_scope"] = form_scope
        envs[lang] = env
    return envs


@dataclass
class View:
    """Everything a page needs: the request, the user (if any), the language, the services."""

    request: Request
    caller: Caller | None
    lang: str
    csrf: str = ""
    form: FormData | None = None
    # Rendered into every form of the page; a submission's calls derive their Idempotency-Key
    # from it (gateway.web.client), so the same form sent twice is carried out once.
    form_nonce: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    messages: list[str] = field(default_factory=list)
    _names: dict[str, str] | None = field(default=None, repr=False)
    _accounts: list[Any] | None = field(default=None, repr=False)

    @property
    def user(self) -> Any:
        return self.caller.user if self.caller else None

    @property
    def roles(self) -> set[str]:
        return set(self.user.roles) if self.user else set()

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def may(self, path: str) -> bool:
        """Whether this user may open the page at `path` (gateway/web/access.py)."""
        return access.may_open(self.roles, path)

    @property
    def menu(self) -> list[access.Page]:
        return access.menu(self.roles)

    def _staff(self) -> list[Any]:
        """The gateway's accounts as pages name and offer them, read once per page."""
        if self._accounts is None:
            with read_session(self.request.app.state.ctx.engine) as session:
                columns = (User.username, User.full_name, User.roles, User.regions, User.active)
                self._accounts = list(session.exec(select(*columns)).all())
        return self._accounts

    def person(self, username: str | None) -> str:
        """A colleague's full name for the username a service sent (the username if unknown)."""
        if not username:
            return "—"
        if username == SYSTEM.username:  # a step the system took by itself
            return self.translate(labels.SYSTEM_ACTOR)
        if self._names is None:
            self._names = {row.username: row.full_name for row in self._staff()}
        return self._names.get(username) or username

    def mediators_of(self, region: str) -> list[str]:
        """The usernames of the region's active mediators (the gateway's own accounts), for
        the assign and reassign fields: all of them, not only those with cases."""
        return sorted(
            row.username
            for row in self._staff()
            if row.active and "mediator" in row.roles and region in row.regions
        )

    def people(self, usernames: list[str]) -> str:
        """Colleagues' full names, comma-separated."""
        return ", ".join(self.person(u) for u in usernames)

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.lang)

    def translate(self, message: str) -> str:
        return self.request.app.state.web_catalogs[self.lang].gettext(message)

    @property
    def services(self) -> Services:
        assert self.caller is not None
        return Services(self.request.app.state.calls, self.caller, self.request)

    def field(self, name: str, default: str = "") -> str:
        """A submitted form field (to refill a form after an error)."""
        if self.form is None:
            return default
        value = self.form.get(name)
        return value if isinstance(value, str) else default

    def choices(self, mapping: Mapping[Any, str], blank: bool = False) -> list[tuple[Any, str]]:
        """Options of a select: codes with their labels in the user's language."""
        options = [(key, self.translate(text)) for key, text in mapping.items()]
        return [("", "—"), *options] if blank else options

    def region_choices(
        self, codes: list[str] | None = None, blank: bool = True
    ) -> list[tuple[str, str]]:
        """Regions named in the user's language: the `codes` given (a user's own: none when
        they have none), or all of them when `codes` is None."""
        chosen = list(REGIONS) if codes is None else codes
        options = [(code, self.fmt.region(code)) for code in chosen]
        return [("", "—"), *options] if blank else options

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        env = self.request.app.state.web_envs[self.lang]
        page = env.get_template(template).render(
            view=self,
            user=self.user,
            lang=self.lang,
            langs=LANGS,
            lang_names=LANG_NAMES,
            fmt=self.fmt,
            csrf=self.csrf,
            form_nonce=self.form_nonce,
            labels=labels,
            regions=REGIONS,
            today=datetime.now(KAZAKHSTAN).date(),
            path=self.request.url.path,
            here=here(self.request),
            as_date=as_date,
            choices=self.choices,
            region_choices=self.region_choices,
            pairs=pairs,
            **context,
        )
        return HTMLResponse(page, status_code=status)


def here(request: Request) -> str:
    """The page's address with its query (a period, a filter), without `lang`: where a switch
    of language comes back to, showing the same figures in the other language."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode(query)}" if query else request.url.path


def _caller_of(request: Request) -> tuple[Caller | None, str]:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None, ""
    keys = request.app.state.keys
    ctx = request.app.state.ctx
    try:
        claims = read_access_token(keys, ctx.settings, cookie, kind="session")
        user = _user_of_claims(ctx.engine, claims, web=True)
    except Problem:
        return None, ""
    return Caller(user, "session", session_id=claims["jti"]), csrf_token(keys, claims["jti"])


async def any_view(request: Request) -> View:
    """A view for anyone, logged in or not."""
    caller, csrf = _caller_of(request)
    return View(
        request, caller, choose_language(request, caller.user.lang if caller else None), csrf
    )


async def page_view(request: Request) -> View:
    """A view for a logged-in user; others are sent to the login form."""
    view = await any_view(request)
    if view.caller is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    if not view.may(request.url.path):
        raise ServiceError(403, "role-not-permitted")
    return view


async def form_view(request: Request) -> View:
    """A view of a submitted form: logged in, with the session's CSRF token in the form."""
    view = await page_view(request)
    form = await request.form()
    presented = form.get("csrf_token")
    assert view.caller is not None and view.caller.session_id is not None
    if not isinstance(presented, str) or not csrf_matches(
        request.app.state.keys, view.caller.session_id, presented
    ):
        raise ServiceError(403, "csrf-failed")
    view.form = form
    nonce = form.get("form_nonce")
    if isinstance(nonce, str) and FORM_NONCE.fullmatch(nonce):
        request.state.form_nonce = nonce
    return view


AnyView = Annotated[View, Depends(any_view)]
PageView = Annotated[View, Depends(page_view)]
FormView = Annotated[View, Depends(form_view)]


def redirect(path: str) -> RedirectResponse:
    """After a successful form: see the result (POST/redirect/GET)."""
    return RedirectResponse(path, status_code=303)


@dataclass
class FormErrors:
    """A refused form: one message for the form and messages next to the fields."""

    general: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.general or self.fields)


def form_errors(
    view: View, error: ServiceError, aliases: Mapping[str, str] | None = None
) -> FormErrors:
    """Map problem details (and their validation errors) to messages in the user's language."""
    result = FormErrors()
    for item in error.errors:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path")]
        name = ".".join(loc) or "_"
        name = (aliases or {}).get(name, name)
        message = refusals.VALIDATION.get(str(item.get("type", "")), refusals.GENERIC_INVALID)
        result.fields.setdefault(name, view.translate(message))
    if error.errors and any(k == "_" for k in result.fields):
        result.fields.pop("_")
        result.general = view.translate(refusals.GENERIC_INVALID)
    if not result.general:
        result.general = view.translate(refusals.PROBLEMS.get(error.kind, refusals.GENERIC_PROBLEM))
    return result


def validation_errors(view: View, exc: ValidationError) -> FormErrors:
    """A form's input refused by its API shape, said next to its fields."""
    items = [{"loc": list(e["loc"]), "type": e["type"]} for e in exc.errors()]
    return form_errors(view, ServiceError(422, "validation-error", errors=items))


def problem_errors(view: View, problem: Problem, field: str | None = None) -> FormErrors:
    """A refusal's messages; one about a single `field` is said there only, not again above."""
    found = problem.extra.get("errors", [])
    errors = form_errors(view, ServiceError(problem.status, problem.kind, errors=found))
    if field:
        errors.fields[field] = errors.general or ""
        errors.general = None
    return errors


def required(view: View, *names: str) -> FormErrors:
    """The web layer's own check: the named fields must not be empty."""
    errors = FormErrors()
    for name in names:
        if not view.field(name).strip():
            errors.fields[name] = view.translate(refusals.VALIDATION["missing"])
    if errors.fields:
        errors.general = view.translate(refusals.PROBLEMS["validation-error"])
    return errors


def pairs(
    items: list[dict[str, Any]], label: str = "name", key: str = "id"
) -> list[tuple[Any, Any]]:
    """Options of a select made of records: (their id, their label)."""
    return [(item[key], item[label]) for item in items]


def as_date(value: str | date) -> date:
    """A date from the services' ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
