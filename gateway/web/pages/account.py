"""My account: who I am (as an admin set it), my language and e-mail digest, my password."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import ValidationError

from gateway.auth import set_session_cookie
from gateway.identity import account, councils, passwords
from gateway.schemas import MeUpdate
from gateway.web import refusals
from gateway.web.i18n import LANG_COOKIE
from gateway.web.view import (
    FormErrors,
    FormView,
    PageView,
    View,
    problem_errors,
    redirect,
    required,
    validation_errors,
)
from kelisim.problems import Problem

router = APIRouter(include_in_schema=False)
SAVED = ("settings", "password")  # what the page confirms after a save
# A refusal of the password form said next to the field it is about.
PASSWORD_FIELDS = {
    account.WRONG_PASSWORD: "current_password",
    "weak-password": "new_password",
}
PASSWORD_INPUTS = ("current_password", "new_password", "new_password_repeat")


async def _page(
    view: View,
    *,
    settings_errors: FormErrors | None = None,
    password_errors: FormErrors | None = None,
    status: int = 200,
    saved: str = "",
) -> Response:
    settings = view.request.app.state.ctx.settings
    known = await view.services.items(councils.COUNCILS) if view.user.councils else []
    return view.render(
        "account.html",
        status=status,
        settings_errors=settings_errors,
        password_errors=password_errors,
        saved=saved if saved in SAVED else "",
        council_names={c["id"]: c["name"] for c in known},
        password_min=passwords.min_length(settings),
        # the notifications service folds a reader's held e-mails once the oldest is this old
        digest_minutes=round(settings.notifications_digest_minutes),
    )


@router.get("/account")
async def my_account(view: PageView, saved: str = "") -> Response:
    """The caller's account as an admin set it, their settings and the password form."""
    return await _page(view, saved=saved)


@router.post("/account")
async def save_settings(view: FormView) -> Response:
    """Save the caller's language and e-mail digest (audited and announced, as an admin's)."""
    try:
        body = MeUpdate(
            lang=view.field("lang"),  # type: ignore[arg-type]
            email_digest=view.field("email_digest") == "on",
        )
    except ValidationError as exc:
        return await _page(view, settings_errors=validation_errors(view, exc), status=422)
    assert view.caller is not None
    user = await run_in_threadpool(
        account.update_settings, view.request.app.state.ctx, view.caller, view.request, body
    )
    response = redirect("/account?saved=settings")
    # the login page after signing out speaks it too (as a switch in the header does)
    response.set_cookie(LANG_COOKIE, user.lang, max_age=365 * 86400, samesite="lax")
    return response


@router.post("/account/password")
async def change_password(view: FormView) -> Response:
    """Change the caller's password; this browser stays signed in, every other session ends."""
    errors = required(view, *PASSWORD_INPUTS)
    if not errors and view.field("new_password") != view.field("new_password_repeat"):
        errors.fields["new_password_repeat"] = view.translate(refusals.PASSWORDS_DIFFER)
        errors.general = view.translate(refusals.PROBLEMS["validation-error"])
    if errors:
        return await _page(view, password_errors=errors, status=422)
    ctx = view.request.app.state.ctx
    keys = view.request.app.state.keys
    try:
        fresh = await run_in_threadpool(
            account.change_password,
            ctx,
            keys,
            view.caller,
            view.request,
            view.field("current_password"),
            view.field("new_password"),
        )
    except Problem as problem:
        field = PASSWORD_FIELDS.get(problem.kind)
        errors = problem_errors(view, problem, field)
        return await _page(view, password_errors=errors, status=problem.status)
    response = redirect("/account?saved=password")
    if fresh is not None:
        set_session_cookie(response, ctx.settings, fresh)
    return response
