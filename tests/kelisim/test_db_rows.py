"""A row written by Core (`row_of` + `insert_rows`) is the row the model and the ORM write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, MetaData, SQLModel, select

from kelisim.db import make_engine, new_session
from kelisim.rows import insert_rows, row_of
from kelisim.tables import SeqType
from tests.support.db import fresh_database

metadata = MetaData()


class Base(SQLModel, registry=registry(metadata=metadata)):
    """The table models of this test's own database."""


def _ticket_code() -> str:
    return "T-1"


class Ticket(Base, table=True):
    __tablename__ = "ticket"

    seq: int | None = Field(
        default=None,
        sa_column=Column(SeqType, primary_key=True, autoincrement=True),
    )
    code: str = Field(default_factory=_ticket_code, max_length=10)
    title: str = Field(max_length=50)
    status: str = "open"
    note: str | None = None
    at: datetime = Field(default_factory=lambda: datetime(2026, 1, 2, tzinfo=UTC))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(tmp_path, "rows") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


def test_a_core_row_holds_the_models_defaults_and_its_key_from_the_database(
    engine: Engine,
) -> None:
    with new_session(engine) as db:
        db.add(Ticket(title="by the ORM"))
        db.commit()
        insert_rows(db.connection(), Ticket, [row_of(Ticket, title="by Core", note="n")])
        db.commit()
        orm, core = db.exec(select(Ticket).order_by(Ticket.seq)).all()
    assert orm.model_dump(exclude={"seq", "title"}) == {
        **core.model_dump(exclude={"seq", "title"}),
        "note": None,
    }
    assert (orm.seq, core.seq, core.title, core.note) == (1, 2, "by Core", "n")


def test_a_row_refuses_a_missing_value_and_a_field_the_model_lacks() -> None:
    with pytest.raises(TypeError, match="title"):
        row_of(Ticket)
    with pytest.raises(TypeError, match="colour"):
        row_of(Ticket, title="t", colour="red")
