"""What the analytics routes share: the prefix and the period asked for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BeforeValidator, Field

from kelisim.clock import now
from kelisim.problems import Problem
from services.analytics.figures import Period

PREFIX = "/api/v1/analytics"
Month = Annotated[int, Field(ge=1, le=12)]


def _blank_is_none(value: object) -> object:
    """An empty parameter (`month=`, as a form's blank choice sends it) is one not given."""
    return None if value == "" else value


async def period(
    year: Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")] = None,
    month: Annotated[
        Month | None,
        BeforeValidator(_blank_is_none),
        Query(description="one month of the year; none or blank: the whole year"),
    ] = None,
) -> Period:
    """The period asked for: a year, or a month of it (a blank month: the whole year)."""
    this_year = now().year
    chosen = Period(year if year is not None else this_year, month)
    if chosen.year > this_year:
        raise Problem(422, "future-period", "Figures exist only up to this year.")
    return chosen


PeriodDep = Annotated[Period, Depends(period)]
