"""What the analysts' pages share: the period shown, refusals in words, charts, rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import get_month_names
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol
from fastapi.responses import Response
from markupsafe import Markup

from gateway.web import refusals
from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.view import View
from kelisim import localtime
from kelisim.charts import ChartTexts
from kelisim.localtime import KAZAKHSTAN

API = "/api/v1/analytics"
NATIONAL = "KZ"  # council figures of the republic level

# The service explains a refused file and its rows in English words; these say it again.
CSV_DETAILS = (
    (re.compile(r"not UTF-8"), N_("The file is not UTF-8 text.")),
    (re.compile(r"^Missing columns: (?P<value>.*?)\.?$"), N_("Columns missing: %(value)s.")),
    (re.compile(r"^At most"), N_("The file has too many rows.")),
    (re.compile(r"no rows"), N_("The file holds no rows.")),
)


@dataclass(frozen=True)
class Period:
    """The year, or month of it, that a page shows."""

    year: int
    month: int | None

    @property
    def params(self) -> dict[str, Any]:
        return {"year": self.year, "month": self.month}

    @property
    def query(self) -> str:
        """The period in a link to a page here (a blank month: the whole year)."""
        return urlencode({"year": self.year, "month": self.month or ""})


def _whole(text: str) -> bool:
    # ASCII digits only: "²".isdigit() is true, but int("²") fails.
    return text.isascii() and text.isdigit() and len(text) <= 6


def _period(view: View, year: str, month: str) -> Period:
    """The period asked for; by default this month. A blank month asks for the whole year."""
    today = datetime.now(KAZAKHSTAN).date()
    chosen = int(year) if _whole(year) and 2000 <= int(year) <= today.year else today.year
    if "month" not in view.request.query_params:
        return Period(chosen, today.month if chosen == today.year else None)
    return Period(chosen, int(month) if _whole(month) and 1 <= int(month) <= 12 else None)


def _allow(view: View, *roles: str) -> None:
    if not view.has(*roles):
        raise ServiceError(403, "role-not-permitted")


def _message(view: View, error: ServiceError) -> str:
    """A refusal of the service in the user's language."""
    if error.kind == "invalid-csv":
        for pattern, text in CSV_DETAILS:
            found = pattern.search(error.detail or "")
            if found:
                return view.translate(text) % found.groupdict()
    return view.translate(refusals.PROBLEMS.get(error.kind, refusals.GENERIC_PROBLEM))


def _refused(view: View, error: ServiceError) -> Response:
    """The error page for a refused page, with the service's reason in the user's language."""
    if error.status == 401:
        raise error
    message = _message(view, error)
    return view.render("error.html", status=error.status, message=message, status_code=error.status)


def _svg(chart: str) -> Markup:
    # kelisim.charts escapes every text and attribute it writes (see its module docstring).
    return Markup(chart)


def _texts(view: View) -> ChartTexts:
    _ = view.translate
    return ChartTexts(
        first=_("first"),
        last=_("last"),
        highest=_("highest"),
        missing=_("hidden"),
        no_data=_("no data"),
        decimal_separator=get_decimal_symbol(view.lang),
        group_separator=get_group_symbol(view.lang),
    )


def _month_names(view: View, width: str = "wide") -> dict[int, str]:
    return dict(get_month_names(width, context="stand-alone", locale=view.lang))


def _month(view: View, value: date | str) -> str:
    """A month as a heading or label in the reader's language: «Маусым 2025»."""
    return localtime.month(value, view.lang, heading=True)


def _region_name(view: View, code: str) -> str:
    return view.translate(N_("Republic level")) if code == NATIONAL else view.fmt.region(code)


def _numbers(view: View) -> dict[str, Any]:
    """Formatting of rates and means for the templates ('—' when hidden or unknown)."""

    def percent(value: float | None) -> str:
        return "—" if value is None else format_percent(value, "#,##0.0%", locale=view.lang)

    def decimal(value: float | None, pattern: str = "#,##0.#") -> str:
        return "—" if value is None else format_decimal(value, pattern, locale=view.lang)

    return {"percent": percent, "decimal": decimal, "month_of": lambda v: _month(view, v)}


def _render(view: View, template: str, period: Period | None = None, **context: Any) -> Response:
    today = datetime.now(KAZAKHSTAN).date()
    return view.render(
        template,
        period=period,
        years=list(range(today.year, today.year - 10, -1)),
        months=[("", view.translate(N_("Whole year"))), *_month_names(view).items()],
        region_name=lambda code: _region_name(view, code),
        is_analyst=view.has("analyst"),
        **_numbers(view),
        **context,
    )
