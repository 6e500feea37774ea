"""Sakila (Pagila): one customer's or one staff member's request touches their rows only.

The expectations are in tests/samples/sakila_people.py, worked out by hand from the rows
in tests/fixtures/samples/sakila.py. Each test runs on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main
from pledge.declaration import load_text
from pledge.declaration.reach import resolve
from pledge.subjects.reach import AmbiguousIdentity
from tests.fixtures.samples.load import changes
from tests.fixtures.samples.sakila import LAST_UPDATE, SAKILA
from tests.samples import checks, harness
from tests.samples.harness import Built
from tests.samples.people import Person
from tests.samples.sakila_people import (
    ANN,
    BOB,
    CARLA,
    EMMA,
    EMMA_BOTH_ACCOUNTS,
    MIRA,
    PEOPLE,
    RENEE,
    RENEE_ACCENT,
)

ANSWERED = harness.cases(p for p in PEOPLE if not p.stops)
ERASED = harness.cases(p for p in PEOPLE if not p.stops and not p.choices)


@pytest.fixture(params=harness.ENGINES)
def sakila(request: pytest.FixtureRequest, tmp_path: Path) -> Built:
    return harness.make(SAKILA, request, tmp_path)


def test_the_declaration_passes_pledge_check() -> None:
    loaded = load_text(SAKILA.yaml(), str(SAKILA.declaration))
    assert loaded.warnings == []
    reach = resolve(loaded.declaration.systems)
    assert reach.issues == []
    about = {d.partition(".")[2]: role for d, role in reach.about.items()}
    assert {d for d, role in about.items() if role == "people"} == {"customer", "staff"}
    assert {d for d, role in about.items() if role == "owned"} == {"address", "rental", "payment"}
    result = CliRunner().invoke(main, ["check", str(SAKILA.declaration)], env={})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("person", ANSWERED)
def test_access_finds_exactly_the_hand_checked_rows(sakila: Built, person: Person) -> None:
    checks.access(sakila, person)


@pytest.mark.parametrize("person", ERASED)
def test_erasure_changes_exactly_their_rows(sakila: Built, person: Person) -> None:
    checks.erasure(sakila, person)


def test_the_shared_address_is_kept_and_listed_as_shared(sakila: Built) -> None:
    result = checks.erasure(sakila, ANN)
    assert "shared with 1 other record" in result.text()
    assert result.certificate()["status"] in ("complete", "complete-with-exemptions")


def test_the_last_of_a_household_takes_the_address(sakila: Built) -> None:
    """Once Ann is erased, address 5 is Bob's alone: his erasure updates it."""
    checks.erasure(sakila, ANN)
    before = sakila.snapshot()
    sakila.erase(BOB)
    diff = changes(before, sakila.snapshot())
    assert {t: d["deleted"] for t, d in diff.items() if d["deleted"]} == {
        "customer": {(2,)},
        "rental": {(3,), (7,)},
        "payment": {(3,), (7,)},
    }
    assert {t: d["updated"] for t, d in diff.items() if d["updated"]} == {"address": {(5,)}}


def test_a_staff_member_erased_leaves_stores_rentals_and_payments(sakila: Built) -> None:
    before = sakila.snapshot()
    checks.erasure(sakila, MIRA)
    after = sakila.snapshot()
    for table in ("store", "rental", "payment", "customer", "inventory", "city"):
        assert after[table] == before[table], table
    assert after["store"][(1,)][1] == 1  # still the manager: keys are never changed


def test_a_value_on_two_customer_rows_stops_both_requests(sakila: Built) -> None:
    stopped = checks.stops(sakila, EMMA)
    assert isinstance(stopped, AmbiguousIdentity)
    assert (stopped.dataset, stopped.others) == ("dvdrental.customer", 1)
    assert "emma.wood@example.org" in str(stopped)


def test_the_operator_can_say_both_rows_are_hers(sakila: Built) -> None:
    checks.access(sakila, EMMA_BOTH_ACCOUNTS)
    checks.erasure(sakila, EMMA_BOTH_ACCOUNTS)


def test_accents_tell_two_people_apart(sakila: Built) -> None:
    """renée.roy and renee.roy are two customers on every engine, whatever the collation."""
    accent = sakila.find(RENEE_ACCENT)
    plain = sakila.find(RENEE)
    assert sakila.keys(accent.rows)["customer"] == {4}
    assert sakila.keys(plain.rows)["customer"] == {5}
    checks.erasure(sakila, RENEE_ACCENT)
    assert (5,) in sakila.snapshot()["customer"]


def test_one_customer_after_another(sakila: Built) -> None:
    """Erasing Carla then Renée: each erasure changes only its own person's rows."""
    checks.erasure(sakila, CARLA)
    checks.erasure(sakila, RENEE_ACCENT)
    checks.access(sakila, BOB)


@pytest.fixture(params=harness.ENGINES)
def sakila_bob_paid_for_ann(request: pytest.FixtureRequest, tmp_path: Path) -> Built:
    """Sakila with one more payment: Bob (customer 2) paid £1.00 towards Ann's rental 1."""
    rows = {table: list(found) for table, found in SAKILA.rows.items()}
    rows["payment"].append(
        {
            "payment_id": 14,
            "customer_id": 2,
            "staff_id": 1,
            "rental_id": 1,
            "amount": D("1.00"),
            "payment_date": datetime(2025, 1, 29, 10, 30),
            "last_update": LAST_UPDATE,
        }
    )
    return harness.make(replace(SAKILA, rows=rows), request, tmp_path)


def test_a_row_another_person_s_row_refers_to_is_not_deleted(
    sakila_bob_paid_for_ann: Built,
) -> None:
    """Payment 14 is Bob's (it names customer 2); the rental it names is Ann's. Erasing Ann
    must leave Bob's payment as it was, still naming a rental that exists."""
    built = sakila_bob_paid_for_ann
    found = built.find(ANN)
    assert built.keys(found.rows)["payment"] == {1, 2, 11, 13}  # not 14: it is Bob's
    before = built.snapshot()
    result = built.erase(ANN)  # before the fix, the schema's ON DELETE SET NULL rewrote 14
    after = built.snapshot()
    assert after["payment"][(14,)] == before["payment"][(14,)]
    assert after["rental"][(1,)] == before["rental"][(1,)]
    kept = [k for s in result.systems for d in s.datasets if d.dataset == "rental" for k in d.kept]
    assert [(k.rule, k.rows) for k in kept] == [("referred", 1)]


@pytest.fixture(params=harness.ENGINES)
def sakila_flagged(request: pytest.FixtureRequest, tmp_path: Path) -> Built:
    """Sakila with a restriction flag on address (``restriction_column``), as a shop that
    restricts processing in its own tables would add."""
    meta = sa.MetaData()
    for table in SAKILA.metadata.tables.values():
        table.to_metadata(meta)
    meta.tables["address"].append_column(sa.Column("restricted", sa.Boolean, nullable=False))
    rows = {table: list(found) for table, found in SAKILA.rows.items()}
    rows["address"] = [{**row, "restricted": False} for row in rows["address"]]
    declared = "        about: owned\n        erase: update\n"
    text = SAKILA.yaml()
    assert declared in text
    text = text.replace(
        declared,
        declared + "        restriction_column: restricted\n",
    ).replace(
        "          address_id: {primary_key: true}\n",
        "          address_id: {primary_key: true}\n"
        "          restricted: {description: Processing restricted}\n",
    )
    path = tmp_path / "sakila.yaml"
    path.write_text(text, encoding="utf-8")
    flagged = replace(SAKILA, metadata=meta, rows=rows, declaration=path)
    return harness.make(flagged, request, tmp_path)


def test_the_shared_address_kept_for_bob_is_not_flagged(sakila_flagged: Built) -> None:
    before = sakila_flagged.snapshot()
    sakila_flagged.erase(ANN)
    after = sakila_flagged.snapshot()
    assert after["address"][(5,)] == before["address"][(5,)]
