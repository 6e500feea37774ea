"""Durations written the way people write them: "30 days", "12 months", "6 years"."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar

Unit = Literal["hours", "days", "weeks", "months", "years"]
_UNITS: dict[str, Unit] = {
    "hour": "hours",
    "hours": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_PATTERN = re.compile(r"^\s*(\d+|[a-z]+)\s+([a-z]+)\s*$")
_D = TypeVar("_D", date, datetime)


@dataclass(frozen=True, order=True)
class Duration:
    """A period of whole units; months and years follow the calendar.

    >>> Duration.parse("12 months")
    Duration(amount=12, unit='months')
    >>> str(Duration.parse("six years"))
    '6 years'
    """

    amount: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read "30 days", "1 month", "six years"; raise ValueError with the accepted forms."""
        match = _PATTERN.match(text.lower()) if isinstance(text, str) else None
        if match is not None:
            raw_amount, raw_unit = match.groups()
            amount = int(raw_amount) if raw_amount.isdigit() else _WORDS.get(raw_amount)
            unit = _UNITS.get(raw_unit)
            if amount is not None and unit is not None and amount > 0:
                return cls(amount, unit)
        raise ValueError(
            f"{text!r} is not a duration; write a whole number and a unit, "
            'like "72 hours", "30 days", "12 months" or "6 years"'
        )

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"

    def after(self, start: _D) -> _D:
        """The moment this duration after ``start``; a missing month-end day falls back.

        >>> Duration.parse("1 month").after(date(2026, 1, 31))
        datetime.date(2026, 2, 28)
        """
        if self.unit == "hours":
            return start + timedelta(hours=self.amount)
        if self.unit == "days":
            return start + timedelta(days=self.amount)
        if self.unit == "weeks":
            return start + timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        index = start.year * 12 + start.month - 1 + months
        year, month = divmod(index, 12)
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return start.replace(year=year, month=month + 1, day=day)

    def before(self, end: _D) -> _D:
        """The moment this duration before ``end`` (the cut-off for "older than")."""
        return Duration(-self.amount, self.unit).after(end) if self.amount else end

    @property
    def approximate_days(self) -> float:
        """Length in days, months as 30.44 and years as 365.25: for comparing, not for dates."""
        per = {"hours": 1 / 24, "days": 1, "weeks": 7, "months": 30.44, "years": 365.25}
        return self.amount * per[self.unit]
