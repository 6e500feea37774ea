"""The ICO clock: same date next month, month-end fallback, working days per UK nation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.rules.deadline import (
    Clock,
    ClockError,
    Extension,
    Pause,
    due_date,
    next_working_day,
)


@pytest.mark.parametrize(
    ("started", "due", "why"),
    [
        (date(2026, 9, 3), date(2026, 10, 5), "3 Oct 2026 is a Saturday: Monday 5th"),
        (date(2026, 9, 9), date(2026, 10, 9), "same date next month, a Friday"),
        (date(2026, 1, 31), date(2026, 3, 2), "no 31 Feb: 28 Feb is a Saturday, so Monday"),
        (date(2027, 1, 29), date(2027, 3, 1), "no 29 Feb 2027 -> 28 Feb, a Sunday"),
        (date(2028, 1, 31), date(2028, 2, 29), "leap year: 29 Feb 2028, a Tuesday"),
        (date(2026, 3, 31), date(2026, 4, 30), "no 31 Apr: last day of April"),
        (date(2026, 11, 25), date(2026, 12, 29), "25 Dec, 26 Dec, 28 Dec (Boxing Day observed)"),
        (date(2026, 3, 6), date(2026, 4, 7), "6 Apr 2026 is Easter Monday in England"),
    ],
)
def test_one_calendar_month(started: date, due: date, why: str) -> None:
    assert due_date(started) == due, why


def test_nations_have_their_own_bank_holidays() -> None:
    # 3 Aug 2026 is the Summer bank holiday in Scotland only; 31 Aug only in England & Wales.
    assert next_working_day(date(2026, 8, 3), "scotland") == date(2026, 8, 4)
    assert next_working_day(date(2026, 8, 3), "england-and-wales") == date(2026, 8, 3)
    assert next_working_day(date(2026, 8, 31), "england-and-wales") == date(2026, 9, 1)
    assert next_working_day(date(2026, 8, 31), "scotland") == date(2026, 8, 31)
    # 17 March (St Patrick's Day) is a bank holiday in Northern Ireland.
    assert next_working_day(date(2026, 3, 17), "northern-ireland") == date(2026, 3, 18)
    assert next_working_day(date(2026, 3, 17), "england-and-wales") == date(2026, 3, 17)


def test_fixed_28_days() -> None:
    assert due_date(date(2026, 9, 3), rule="28 days") == date(2026, 10, 1)
    # 28 days from 30 Nov 2026 is 28 Dec, Boxing Day observed: next working day.
    assert due_date(date(2026, 11, 30), rule="28 days") == date(2026, 12, 29)


def test_pause_for_clarification_stops_the_clock() -> None:
    clock = Clock(started=date(2026, 9, 9), pauses=(Pause(date(2026, 9, 14)),))
    assert clock.due() is None
    assert clock.days_left(date(2026, 9, 20)) is None
    resumed = Clock(started=date(2026, 9, 9), pauses=(Pause(date(2026, 9, 14), date(2026, 9, 24)),))
    # 9 Oct plus ten paused days is 19 Oct 2026, a Monday.
    assert resumed.due() == date(2026, 10, 19)


def test_extension_adds_two_months_when_told_in_time() -> None:
    clock = Clock(
        started=date(2026, 9, 9),
        extension=Extension(reason="complex: 14 systems", told_on=date(2026, 10, 1)),
    )
    assert clock.due() == date(2026, 12, 9)
    assert clock.days_left(date(2026, 12, 10)) == -1


def test_extension_told_after_the_first_month_is_refused() -> None:
    clock = Clock(
        started=date(2026, 9, 9),
        extension=Extension(reason="numerous", told_on=date(2026, 10, 12)),
    )
    with pytest.raises(ClockError, match="within the first month"):
        clock.due()


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
def test_due_date_is_a_working_day_about_a_month_later(started: date) -> None:
    due = due_date(started)
    assert due.weekday() < 5
    assert 28 <= (due - started).days <= 35
    assert next_working_day(due) == due
