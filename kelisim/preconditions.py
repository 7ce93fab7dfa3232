"""`ETag` and `If-Match` (RFC 9110 §13.1.1), once for every service.

An edit that two people might make at once carries the version its author read. `If-Match`
may list several tags or be `*`; it uses the strong comparison, so a weak tag (`W/"…"`) never
matches. A mismatch is refused with one 412 problem that names the current tag.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Header

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


IfMatch = Annotated[str | None, Header(alias="If-Match")]
