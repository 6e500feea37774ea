"""When a data subject request is due, by the ICO's rules.

Day one is the day the clock starts (receipt, or identity confirmed, or clarification
received). The answer is due on the same date next month; when that date does not exist, on
the last day of next month; a weekend or bank holiday moves it to the next working day. A fixed
28-day period is the accepted simplification. A pause for clarification stops the clock; an
extension adds two further months, and the person must be told within the first month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Literal

import holidays

from pledge.declaration.duration import Duration

Rule = Literal["one-calendar-month", "28 days"]
Region = Literal["england-and-wales", "scotland", "northern-ireland"]
_SUBDIVISION: dict[Region, str] = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}


class ClockError(ValueError):
    """A clock change that the rules do not allow (extension told too late, pause overlap)."""


@dataclass(frozen=True)
class Pause:
    """The clock stood still from ``start`` until ``end`` (None: still waiting)."""

    start: date
    end: date | None = None
    reason: str = ""


@dataclass(frozen=True)
class Extension:
    """Two further months for a complex or numerous request, and when the person was told."""

    reason: str
    told_on: date


@dataclass(frozen=True)
class Clock:
    """A request's clock: when it started and what has happened to it since."""

    started: date
    rule: Rule = "one-calendar-month"
    region: Region = "england-and-wales"
    pauses: Sequence[Pause] = field(default_factory=tuple)
    extension: Extension | None = None

    def base_due(self) -> date:
        """The due date with no pause and no extension."""
        return due_date(self.started, rule=self.rule, region=self.region)

    def due(self) -> date | None:
        """The date the answer is due, or None while the clock is paused."""
        if any(p.end is None for p in self.pauses):
            return None
        paused = sum(((p.end or p.start) - p.start).days for p in self.pauses)
        if self.extension is not None:
            if self.extension.told_on > self.base_due():
                raise ClockError(
                    f"an extension must be told to the person within the first month "
                    f"(by {self.base_due():%d %B %Y}); they were told on "
                    f"{self.extension.told_on:%d %B %Y}"
                )
            raw = Duration(3, "months").after(self.started)
        else:
            raw = _raw_due(self.started, self.rule)
        return next_working_day(raw + timedelta(days=paused), self.region)

    def days_left(self, today: date) -> int | None:
        """Calendar days until the due date (negative when overdue); None while paused."""
        due = self.due()
        return None if due is None else (due - today).days


def due_date(
    started: date, *, rule: Rule = "one-calendar-month", region: Region = "england-and-wales"
) -> date:
    """The ICO due date for a clock that started on ``started``.

    >>> due_date(date(2026, 1, 31))  # 28 Feb 2026 is a Saturday
    datetime.date(2026, 3, 2)
    """
    return next_working_day(_raw_due(started, rule), region)


def _raw_due(started: date, rule: Rule) -> date:
    if rule == "28 days":
        return started + timedelta(days=28)
    return Duration(1, "months").after(started)


def next_working_day(day: date, region: Region = "england-and-wales") -> date:
    """``day`` itself when it is a working day, else the next one in that part of the UK."""
    while day.weekday() >= 5 or day in _bank_holidays(region, day.year):
        day += timedelta(days=1)
    return day


@cache
def _bank_holidays(region: Region, year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("GB", subdiv=_SUBDIVISION[region], years=year)
    return frozenset(calendar)
