"""Mediation terms: calendar days, or business days on Kazakhstan's holiday calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from kelisim.clock import now
from kelisim.localtime import local_date
from kelisim.settings import Settings

if TYPE_CHECKING:
    import holidays


@lru_cache(maxsize=32)
def _kz_holidays(year: int) -> holidays.HolidayBase:
    import holidays  # ~4 MB, only where terms count business days (off by default)

    return holidays.country_holidays("KZ", years=[year, year + 1])


def is_business_day(day: date) -> bool:
    """A weekday that is not a public holiday in Kazakhstan."""
    return day.weekday() < 5 and day not in _kz_holidays(day.year)


def add_term(start: date, days: int, *, business_days: bool) -> date:
    """The last day of a term of `days` days starting the day after `start`."""
    if not business_days:
        return start + timedelta(days=days)
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day


@dataclass(frozen=True)
class TermPolicy:
    """The term settings of the cases domain."""

    term_days: int = 30
    extension_days: int = 30
    business_days: bool = False
    warn_days: int = 5
    timezone: str = "Asia/Almaty"

    @classmethod
    def from_settings(cls, settings: Settings) -> TermPolicy:
        return cls(
            term_days=settings.cases_term_days,
            extension_days=settings.cases_extension_days,
            business_days=settings.cases_business_days,
            warn_days=settings.cases_warn_days,
            timezone=settings.cases_timezone,
        )

    def term_end(self, start: date) -> date:
        return add_term(start, self.term_days, business_days=self.business_days)

    def extended_end(self, deadline: date) -> date:
        return add_term(deadline, self.extension_days, business_days=self.business_days)

    def today(self) -> date:
        """Today in the service's time zone (terms are counted in local dates)."""
        return self.day_of(now())

    def day_of(self, moment: datetime) -> date:
        """The local date of an aware moment in the service's time zone: the day a step
        recorded at `moment` happened for the people of the region."""
        return local_date(moment, self.timezone)
