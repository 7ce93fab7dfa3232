"""The councils an account may be scoped to: those the councils service knows.

The gateway holds no councils; it asks the councils service, as the admin who makes the
change, through the one call (`gateway.calls`). Only councils added by a change are checked,
so an account that names a council from before the rule can still be edited (the form shows
such a council by its identifier, to be unticked).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request

from gateway.calls import ServiceCalls, bad_gateway
from kelisim.auth import Principal
from kelisim.problems import Problem

COUNCILS = "/api/v1/councils"
UNKNOWN_COUNCIL = "unknown_council"


async def listed(calls: ServiceCalls, request: Request, principal: Principal) -> list[Any]:
    """Every council the caller sees (an admin: all), as the councils service lists them."""
    found: list[Any] = []
    params: dict[str, str] = {}
    while True:
        answer = await calls.call(request, principal, "GET", COUNCILS, params=params)
        try:
            page = answer.json() if answer.status_code == 200 else None
        except ValueError:
            page = None
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise bad_gateway("councils")
        found += page["items"]
        if not page.get("next_cursor"):
            return found
        params = {"cursor": page["next_cursor"]}


def require_known(councils: Iterable[str], known: Iterable[str]) -> None:
    """422 at `councils` when one of them names no council."""
    unknown = sorted(set(councils) - set(known))
    if unknown:
        error = {
            "loc": ["body", "councils"],
            "msg": "No council has this identifier.",
            "type": UNKNOWN_COUNCIL,
            "input": unknown,
        }
        raise Problem(
            422, "validation-error", f"Unknown councils: {', '.join(unknown)}.", errors=[error]
        )


async def require_existing(
    calls: ServiceCalls, request: Request, principal: Principal, added: Iterable[str]
) -> None:
    """422 unless every council `added` to an account exists (no call when none is added)."""
    added = sorted(set(added))
    if added:
        require_known(added, [c["id"] for c in await listed(calls, request, principal)])
