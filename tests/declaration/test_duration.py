"""Durations read the way people write them, and land on calendar dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pledge.declaration import Duration


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30 days", 30, "days"),
        ("12 months", 12, "months"),
        ("6 years", 6, "years"),
        ("600 days", 600, "days"),
        ("1 month", 1, "months"),
        ("six years", 6, "years"),
        (" 72 Hours ", 72, "hours"),
        ("2 weeks", 2, "weeks"),
    ],
)
def test_reads_what_people_write(text: str, amount: int, unit: str) -> None:
    assert Duration.parse(text) == Duration(amount, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "30", "days", "0 days", "-3 days", "12 monthz", "1.5 years"])
def test_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        Duration.parse(text)


def test_writes_back_what_it_read() -> None:
    for text in ["1 day", "30 days", "1 month", "12 months", "6 years", "72 hours"]:
        assert str(Duration.parse(text)) == text


def test_months_fall_back_to_the_last_day() -> None:
    assert Duration.parse("1 month").after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Duration.parse("1 month").after(date(2028, 1, 31)) == date(2028, 2, 29)
    assert Duration.parse("1 year").after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Duration.parse("12 months").before(date(2026, 11, 22)) == date(2025, 11, 22)
    assert Duration.parse("72 hours").after(datetime(2026, 1, 1, 9)) == datetime(2026, 1, 4, 9)
