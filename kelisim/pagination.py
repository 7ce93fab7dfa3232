"""Keyset pagination, once for every service: one cursor codec, one limit rule, one page shape.

A cursor is the sort key of the last item a page returned, packed as URL-safe base64 JSON. It
is opaque to clients; one that does not decode is refused with one `bad-cursor` problem (400).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import BindParameter, ColumnElement, literal, tuple_

from kelisim.problems import Problem

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR = 512
MAX_INT = 2**63  # a BIGINT column's range

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Cursor = Annotated[
    str | None, Query(max_length=MAX_CURSOR, description="next_cursor of the previous page")
]


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next one (null on the last page)."""

    items: list[T]
    next_cursor: str | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def encode(*key: Any) -> str:
    """The cursor standing for a sort key (str, int, date or datetime parts)."""
    raw = json.dumps([_plain(part) for part in key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, *types: Callable[..., Any]) -> tuple[Any, ...]:
    """The sort key a cursor stands for, each part read by its type; 400 `bad-cursor` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list) or len(parts) != len(types):
            raise ValueError("wrong shape")
        return tuple(_read(kind, part) for kind, part in zip(types, parts, strict=True))
    except (ValueError, TypeError, binascii.Error, OverflowError, UnicodeDecodeError) as exc:
        raise Problem(400, "bad-cursor", "The cursor is not one this service gave out.") from exc


def _read(kind: Callable[..., Any], part: Any) -> Any:
    if kind is datetime:
        at = datetime.fromisoformat(part)  # a naive time in a cursor is UTC
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if kind is date:
        return date.fromisoformat(part)
    if kind is int and (type(part) is not int or not -MAX_INT <= part < MAX_INT):
        raise ValueError("not an integer a database column holds")
    if kind is str and not isinstance(part, str):
        raise ValueError("not a string")
    return kind(part)


def position(part: Any) -> int:
    """A cursor part that is a position in a sequence: a whole number from 0 a BIGINT holds."""
    if type(part) is not int or not 0 <= part < MAX_INT:
        raise ValueError("not a position")
    return part


def after(
    columns: Sequence[ColumnElement[Any]], key: Sequence[Any], *, descending: bool = False
) -> ColumnElement[bool]:
    """The keyset condition: rows after `key` in the order of `columns` (all asc or all desc).

    The key's parts are values, or bind parameters of a statement built once and run with
    each key. A row-value comparison, `(a, b) < (x, y)`: SQLite and PostgreSQL both seek an
    index on (..., a, b) to it, where the expanded `a < x OR (a = x AND b < y)` is only a filter.
    """
    left: ColumnElement[Any] = columns[0] if len(columns) == 1 else tuple_(*columns)
    values = [
        v if isinstance(v, BindParameter) else literal(v, c.type)
        for c, v in zip(columns, key, strict=True)
    ]
    right: ColumnElement[Any] = values[0] if len(values) == 1 else tuple_(*values)
    beyond: ColumnElement[bool] = left < right if descending else left > right
    return beyond


def page(
    rows: Sequence[T], limit: int, key: Callable[[T], tuple[Any, ...]]
) -> tuple[list[T], str | None]:
    """Split `limit + 1` fetched rows into the page and the next cursor (None when no more)."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, (encode(*key(items[-1])) if more and items else None)


def cut(
    items: Sequence[T],
    limit: int,
    cursor: str | None,
    key: Callable[[T], tuple[Any, ...]],
    types: Sequence[Callable[..., Any]],
    *,
    descending: bool = False,
) -> Page[T]:
    """One page of a list built whole in memory (in `key` order), by the same cursor rule.

    For lists composed in Python (joined per item, filtered by a permission): the cursor is the
    last item's key as with `after`, so a client pages them alike.
    """

    def normal(item: T) -> tuple[Any, ...]:
        return tuple(_read(kind, _plain(part)) for kind, part in zip(types, key(item), strict=True))

    rest: Sequence[T] = items
    if cursor is not None:
        start = decode(cursor, *types)
        rest = [i for i in items if (normal(i) < start if descending else normal(i) > start)]
    found, next_cursor = page(rest[: limit + 1], limit, key)
    return Page[T](items=found, next_cursor=next_cursor)
