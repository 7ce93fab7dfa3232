"""What the analytics routes share: the prefix, a read-only session, the period asked for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Query
from sqlmodel import Session as DbSession

from kelisim.clock import now
from kelisim.db import read_session
from kelisim.problems import Problem
from kelisim.service import ServiceContext
from services.analytics.figures import Period

PREFIX = "/api/v1/analytics"


@contextmanager
def reading(ctx: ServiceContext) -> Iterator[DbSession]:
    """A read-only session."""
    with read_session(ctx.engine) as db:
        yield db


async def period(
    year: Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")] = None,
    month: Annotated[int | None, Query(ge=1, le=12, description="one month of the year")] = None,
) -> Period:
    """The period asked for: a year, or a month of it."""
    this_year = now().year
    chosen = Period(year if year is not None else this_year, month)
    if chosen.year > this_year:
        raise Problem(422, "future-period", "Figures exist only up to this year.")
    return chosen


PeriodDep = Annotated[Period, Depends(period)]
