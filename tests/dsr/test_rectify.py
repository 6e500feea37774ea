"""Rectification: declared fields only, values checked against the column, hashes in the audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pledge.dsr.rectify import RectificationRefused, rectify
from pledge.dsr.strategies import keyed_hash
from pledge.store import AuditEvent, make_engine
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import NOW, Estate, estate
from tests.fixtures.keys import TEST_HASH_KEY

__all__ = ["estate"]


def test_rectifies_the_person_only_and_audits_hashes(estate: Estate) -> None:
    ann, bob = estate.people[:2]
    ids = parse([("email", ann.email)])
    done = rectify(
        estate.loaded,
        ids,
        {"crm.customer.full_name": "Ann Smyth", "billing.account.email": " Ann@New.Example.UK "},
        settings=estate.settings,
        now=NOW,
        request_id="R-2",
    )
    assert [(d.system, d.dataset, d.field, d.rows) for d in done] == [
        ("crm", "customer", "full_name", 1),
        ("billing", "account", "email", 1),
    ]
    rows = estate.rows()
    assert rows["customer"][ann.id][2] == "Ann Smyth"
    assert rows["customer"][bob.id][2] == "Bob Smith"
    assert rows["account"][ann.account][3] == "ann@new.example.uk"  # an email, normalised
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        (details,) = connection.execute(
            sa.select(AuditEvent.details).where(AuditEvent.action == "rectification")
        ).scalars()
    engine.dispose()
    text = str(details)
    assert "Ann Smith" not in text and "Ann Smyth" not in text
    first = details["changes"][0]
    assert first["old"] == [keyed_hash(TEST_HASH_KEY, "Ann Smith")]
    assert first["new"] == keyed_hash(TEST_HASH_KEY, "Ann Smyth")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"crm.customer.shoe_size": "9"}, "not a declared field"),
        ({"crm.customer.id": "7"}, "is a key"),
        ({"billing.account.email": "not-an-email"}, "is not an email address"),
        ({"crm.contact_note.written_on": "last tuesday"}, "does not fit the column"),
        ({"crm.customer.full_name": "x" * 201}, "at most 200"),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_written(
    estate: Estate, change: dict[str, str], message: str
) -> None:
    before = estate.rows()
    ids = parse([("email", estate.people[0].email)])
    with pytest.raises(RectificationRefused, match=message):
        rectify(
            estate.loaded,
            ids,
            {"crm.customer.full_name": "Ann Smyth", **change},
            settings=estate.settings,
        )
    assert estate.rows() == before


def test_nothing_to_rectify_for_an_unknown_person(estate: Estate) -> None:
    ids = parse([("email", "nobody@example.uk")])
    with pytest.raises(RectificationRefused, match="holds nothing for this person"):
        rectify(estate.loaded, ids, {"crm.customer.full_name": "X"}, settings=estate.settings)
