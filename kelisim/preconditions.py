"""`ETag` and `If-Match` (RFC 9110 §13.1.1), once for every service.

An edit that two people might make at once carries the version its author read. `If-Match`
may list several tags or be `*`; it uses the strong comparison, so a weak tag (`W/"…"`) never
matches. A mismatch is refused with one 412 problem that names the current tag.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import Header, Request, Response

from kelisim.problems import Problem


def etag_of(state: Any) -> str:
    """A strong entity tag of a record's editable state (any JSON-able value)."""
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def parse_if_match(header: str) -> list[str]:
    """The entity tags of an `If-Match` value, in order; `["*"]` for the wildcard."""
    if header.strip() == "*":
        return ["*"]
    tags: list[str] = []
    rest = header.strip()
    while rest:
        weak = rest.startswith("W/")
        if weak:
            rest = rest[2:]
        if not rest.startswith('"'):
            raise Problem(400, "bad-if-match", "If-Match holds quoted entity tags or *.")
        end = rest.find('"', 1)
        if end < 0:
            raise Problem(400, "bad-if-match", "If-Match holds quoted entity tags or *.")
        tag = rest[: end + 1]
        tags.append(("W/" if weak else "") + tag)
        rest = rest[end + 1 :].lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
        elif rest:
            raise Problem(400, "bad-if-match", "If-Match holds quoted entity tags or *.")
    return tags


def matches(if_match: str | None, current: str) -> bool:
    """Whether an `If-Match` precondition holds for the record's current tag."""
    if if_match is None:
        return True
    tags = parse_if_match(if_match)
    return tags == ["*"] or any(tag == current for tag in tags if not tag.startswith("W/"))


def require(if_match: str | None, current: str) -> None:
    """Refuse (412) an edit made against a version that has changed since it was read."""
    if not matches(if_match, current):
        raise Problem(
            412,
            "precondition-failed",
            "It was changed since you read it; reload and try again.",
            etag=current,
        )


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(if_none_match: str, current: str) -> bool:
    """Whether `If-None-Match` names the current representation (weak comparison, or `*`)."""
    tags = parse_if_match(if_none_match)
    return tags == ["*"] or any(_opaque(tag) == _opaque(current) for tag in tags)


def conditional(
    request: Request,
    content: bytes | str,
    media_type: str,
    *,
    last_modified: datetime | None = None,
    max_age: int = 60,
    headers: dict[str, str] | None = None,
) -> Response:
    """A cacheable answer: ETag from the content, Last-Modified when known, and 304 when the
    client's copy is current (If-None-Match first; If-Modified-Since only without it)."""
    body = content.encode() if isinstance(content, str) else content
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    sent = {"ETag": tag, "Cache-Control": f"public, max-age={max_age}", **(headers or {})}
    if last_modified is not None:
        sent["Last-Modified"] = format_datetime(last_modified.replace(microsecond=0), usegmt=True)
    none_match = request.headers.get("if-none-match")
    since = request.headers.get("if-modified-since")
    fresh = False
    if none_match is not None:
        fresh = not_modified(none_match, tag)
    elif since and last_modified is not None:
        try:
            fresh = last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            fresh = False
    if fresh:
        return Response(status_code=304, headers=sent)
    return Response(body, media_type=media_type, headers=sent)


IfMatch = Annotated[str | None, Header(alias="If-Match")]
