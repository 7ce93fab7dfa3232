"""Rows of a table model written by Core: the row its constructor would make, one statement.

For rows nothing reads back as entities in the same transaction (a notice, a delivery, an
attempt): making each through the model's constructor and writing it by the ORM's flush cost
about a third of the notifications service's CPU on an escalation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Insert, Table
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from kelisim.db import table_of


def insert_rows(conn: Connection, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of a table model by Core, in the caller's transaction, in one statement.

    For rows nothing reads back as entities in the same transaction: making each through
    the model's constructor and writing it by the ORM's flush cost about a third of the
    notifications service's CPU on an escalation. Make them with `row_of`.
    """
    if rows:
        conn.execute(_insert_of(table_of(model)), list(rows))


def row_of(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """The row the model would write for these values: its fields' defaults (and default
    factories, in field order, as its constructor calls them) filled in; a generated key
    left to the database."""
    defaults, generated = _defaults_of(model)
    row: dict[str, Any] = {}
    for name, default, factory in defaults:
        if name in values:
            row[name] = values.pop(name)
        elif factory is not None:
            row[name] = factory()
        elif default is not PydanticUndefined:
            row[name] = default
        else:
            raise TypeError(f"{model.__name__}: no value for {name}")
    if values:
        raise TypeError(f"{model.__name__} has no field {', '.join(values)}")
    if generated is not None and row.get(generated) is None:
        row.pop(generated, None)
    return row


@functools.cache
def _defaults_of(
    model: type[SQLModel],
) -> tuple[tuple[tuple[str, Any, Callable[[], Any] | None], ...], str | None]:
    """A model's fields with their default and default factory, and its generated key."""
    fields: list[tuple[str, Any, Callable[[], Any] | None]] = []
    for name, field in model.model_fields.items():
        if field.default_factory_takes_validated_data:
            raise TypeError(f"{model.__name__}.{name}: a default made from the other values")
        fields.append((name, field.default, field.default_factory))  # type: ignore[arg-type]
    generated = table_of(model).autoincrement_column
    return tuple(fields), None if generated is None else generated.name


@functools.cache
def _insert_of(table: Table) -> Insert:
    return table.insert()
