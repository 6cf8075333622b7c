"""Periods of law: a calendar month (what monthly allowances are decided for) and a calendar year.

A month is also an integer, its *index* (months since 1970-01), so that the vectorised path can
compare and add months with numpy; ``Month.from_index(m.index) == m``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from tenfold.errors import InvalidInput
from tenfold.i18n import _

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
EPOCH_YEAR = 1970


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month, e.g. ``Month(2024, 3)`` written ``2024-03``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 2200:
            raise InvalidInput(_("period: {value!r} is not a month between 1900-01 and 2200-12").format(value=str(self)))

    @classmethod
    def parse(cls, text: object, field: str = "period") -> Month:
        """A month written ``YYYY-MM``; anything else is an error naming ``field``."""
        match = _MONTH.match(text) if isinstance(text, str) else None
        if not match:
            raise InvalidInput(_("{field}: expected a month written YYYY-MM, got {value!r}").format(field=field, value=text))
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise InvalidInput(_("{field}: expected a month written YYYY-MM, got {value!r}").format(field=field, value=text))
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(EPOCH_YEAR + index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        return (self.year - EPOCH_YEAR) * 12 + self.month - 1

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def stop(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.stop

    def plus(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def year_period(self) -> Year:
        return Year(self.year)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, order=True)
class Year:
    """One calendar year (incomes are known to the tax board by year)."""

    year: int

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def stop(self) -> date:
        return date(self.year, 12, 31)

    def previous(self) -> Year:
        return Year(self.year - 1)

    def contains(self, day: date) -> bool:
        return day.year == self.year

    def __str__(self) -> str:
        return f"{self.year:04d}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the end of the month where that day does not exist."""
    target = Month.of(day).plus(months)
    return date(target.year, target.month, min(day.day, calendar.monthrange(target.year, target.month)[1]))


def month_index(day: date) -> int:
    return (day.year - EPOCH_YEAR) * 12 + day.month - 1
