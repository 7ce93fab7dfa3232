"""What every public page and feed shares: the language from the address, calls to the
councils' public read API as the `public` principal, caching and the per-address limit."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from gateway.identity.account import client_address
from gateway.web.client import ServiceError
from gateway.web.i18n import choose_language
from gateway.web.view import View
from kelisim import preconditions
from kelisim.auth import PUBLIC
from kelisim.pagination import MAX_LIMIT
from kelisim.problems import Problem

API = "/api/v1/councils/public"
WINDOW = 60.0  # seconds: the limit is per address and minute


class AddressLimit:
    """A fixed-window request count per client address, in this process (most recent 10,000)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def take(self, address: str, limit: int, now: float) -> float:
        """0 if the request may go on, else the seconds until the address may ask again."""
        with self._lock:
            start, count = self._windows.pop(address, (now, 0))
            if now - start >= WINDOW:
                start, count = now, 0
            self._windows[address] = (start, count + 1)
            while len(self._windows) > 10_000:
                self._windows.popitem(last=False)
            return 0.0 if count < limit else WINDOW - (now - start)


def _limits(request: Request) -> AddressLimit:
    state = request.app.state
    if getattr(state, "public_limits", None) is None:
        state.public_limits = AddressLimit()
    limits: AddressLimit = state.public_limits
    return limits


async def public_view(request: Request) -> View:
    """An anonymous view, or 429, in the language the other pages would choose: `?lang=`,
    else the visitor's remembered choice (cookie), else Accept-Language, else Kazakh."""
    address = client_address(request)
    limit = request.app.state.ctx.settings.public_rate_per_minute
    wait = _limits(request).take(address, limit, time.monotonic())
    if wait:
        raise Problem(
            429,
            "too-many-requests",
            "Too many requests from your address; try again shortly.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return View(request, None, choose_language(request, None))


PublicView = Annotated[View, Depends(public_view)]


async def fetch(view: View, path: str, **params: Any) -> Any:
    """The public read API's JSON answer; a ServiceError when it refuses or fails."""
    answer = await fetch_raw(view, path, **params)
    return answer.json()


async def fetch_items(view: View, path: str, **params: Any) -> list[Any]:
    """The items of a public list that is one page by nature (the councils, the rates)."""
    answer = await fetch(view, path, **params)
    items: list[Any] = answer["items"]
    return items


async def fetch_all(view: View, path: str, most: int = 10_000, **params: Any) -> list[Any]:
    """The items of a public list, following its pages (`next_cursor`) up to `most` items."""
    found: list[Any] = []
    cursor = None
    while len(found) < most:
        limit = min(MAX_LIMIT, most - len(found))
        answer = await fetch(view, path, limit=limit, cursor=cursor, **params)
        found += answer["items"]
        cursor = answer.get("next_cursor")
        if not cursor:
            break
    return found


async def fetch_raw(view: View, path: str, **params: Any) -> Any:
    """The public read API's answer as it came (for files)."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    try:
        answer = await view.request.app.state.calls.call(
            view.request, PUBLIC, "GET", f"{API}{path}", params=query
        )
    except Problem as problem:
        raise ServiceError.from_problem(problem) from problem
    if answer.status_code >= 400:
        raise ServiceError.from_answer(answer)
    return answer


def cached(
    view: View,
    content: bytes | str,
    media_type: str,
    *,
    last_modified: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A cacheable answer (ETag, Last-Modified, 304 on revalidation)."""
    said = {"Content-Language": view.lang}
    if "lang" not in view.request.query_params:
        # The language came from the cookie or Accept-Language: a cache must key on them.
        said["Vary"] = "Cookie, Accept-Language"
    return preconditions.conditional(
        view.request,
        content,
        media_type,
        last_modified=last_modified,
        headers={**said, **(headers or {})},
    )


def page(
    view: View, template: str, *, last_modified: datetime | None = None, **context: Any
) -> Response:
    """A public HTML page, cacheable."""
    html = view.render(template, **context).body
    return cached(view, bytes(html), "text/html; charset=utf-8", last_modified=last_modified)


def newest(*moments: Any) -> datetime | None:
    """The latest of the ISO times given (for Last-Modified), if any."""
    times = [datetime.fromisoformat(str(m).replace("Z", "+00:00")) for m in moments if m]
    return max(times) if times else None
