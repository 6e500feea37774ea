"""Exemptions: which rows a retention rule still obliges the company to keep."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pledge.declaration.duration import Duration
from pledge.rules.exemptions import Exemption, as_moment, exemptions_for, keeping
from tests.dsr.erasure_estate import NOW, declaration

INVOICES = Exemption(
    "invoices-6-years",
    "billing",
    "invoice",
    "issued_on",
    Duration(6, "years"),
    "age",
    "legal-obligation",
    "Companies Act 2006 s.388",
)


@pytest.mark.parametrize(
    ("issued", "kept"),
    [
        (date(2026, 1, 1), True),
        (date(2020, 11, 21), True),  # one day inside six years
        (date(2020, 11, 20), False),  # exactly six years: the duty has ended
        (date(2019, 1, 1), False),
        (None, True),  # no date: nobody can show the duty has ended
        ("2025-03-01", True),  # SQLite hands dates back as text
        (datetime(2019, 1, 1, 9, 30), False),  # naive, read as UTC
    ],
)
def test_rows_inside_the_period_are_kept(issued: object, kept: bool) -> None:
    assert INVOICES.keeps(issued, NOW) is kept


def test_reason_names_period_basis_and_law() -> None:
    assert INVOICES.reason == (
        "kept 6 years from issued_on (legal-obligation: Companies Act 2006 s.388)"
    )


def test_only_rules_that_forbid_early_erasure_count() -> None:
    loaded = declaration("sqlite:///a.sqlite", "sqlite:///b.sqlite")
    found = exemptions_for(loaded.declaration, "billing", "invoice")
    assert [e.rule for e in found] == ["invoices-6-years"]
    assert exemptions_for(loaded.declaration, "crm", "customer") == []
    assert keeping(found, {"issued_on": date(2026, 1, 1)}, NOW) == found[0]
    assert keeping(found, {"issued_on": date(2001, 1, 1)}, NOW) is None


def test_a_value_that_is_not_a_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a date"):
        as_moment("last tuesday")
    assert as_moment(date(2020, 1, 1)) == datetime(2020, 1, 1, tzinfo=UTC)
