"""Restriction: flags where the declaration has a column, the register elsewhere; lifting needs
the person told first, and never frees rows an erasure kept under a retention rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pledge.dsr.erasure import erase
from pledge.dsr.restrict import RestrictionRefused, is_restricted, lift_restriction, restrict
from pledge.store import make_engine
from pledge.store.erasure_tables import Restriction, RestrictionLift
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import NOW, Estate, estate, owned_by

__all__ = ["estate"]


def _flags(world: Estate, table: str, owner: int) -> list[bool]:
    rows = world.rows()[table]
    person = world.people[owner]
    return [bool(r[-1]) for k, r in rows.items() if owned_by(person, table, k)]


def test_restrict_sets_columns_and_registers_the_rest(estate: Estate) -> None:
    ann = estate.people[0]
    ids = parse([("email", ann.email)])
    result = restrict(estate.loaded, ids, settings=estate.settings, now=NOW, request_id="R-9")
    assert result.flagged == {"crm.customer": 1, "billing.call": 2}
    assert set(result.registered) == {
        "crm.address",
        "crm.contact_note",
        "billing.account",
        "billing.invoice",
    }
    assert _flags(estate, "customer", 0) == [True]
    assert _flags(estate, "call", 0) == [True, True]
    assert _flags(estate, "customer", 1) == [False]  # the neighbour is untouched
    engine = make_engine(estate.settings)
    assert is_restricted(engine, ids[0], estate.settings.hash_key)
    engine.dispose()


def test_lifting_needs_the_person_told_first(estate: Estate) -> None:
    ids = parse([("email", estate.people[0].email)])
    restrict(estate.loaded, ids, settings=estate.settings, now=NOW)
    with pytest.raises(RestrictionRefused, match="must be told before"):
        lift_restriction(
            estate.loaded, ids, settings=estate.settings, told_at=None, lifted_by="dpo", now=NOW
        )
    with pytest.raises(RestrictionRefused, match="they must be told first"):
        lift_restriction(
            estate.loaded,
            ids,
            settings=estate.settings,
            told_at=NOW + timedelta(days=1),
            lifted_by="dpo",
            now=NOW,
        )
    assert _flags(estate, "customer", 0) == [True]
    told = NOW - timedelta(days=3)
    lift_restriction(
        estate.loaded,
        ids,
        settings=estate.settings,
        told_at=told,
        lifted_by="dpo@northwold.example",
        now=NOW,
    )
    assert _flags(estate, "customer", 0) == [False]
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(Restriction)).all()
        lifts = connection.execute(sa.select(RestrictionLift)).all()
    # The lift is an entry of its own naming each restriction; the restriction is unchanged.
    assert rows and sorted(lift.restriction_id for lift in lifts) == sorted(r.id for r in rows)
    assert all(lift.told_at == told and lift.lifted_by == "dpo@northwold.example" for lift in lifts)
    assert not is_restricted(engine, ids[0], estate.settings.hash_key)
    engine.dispose()


def test_lifting_keeps_rows_an_erasure_held_back(estate: Estate) -> None:
    cat = estate.people[2]
    ids = parse([("email", cat.email)])
    erase(estate.loaded, ids, settings=estate.settings, now=NOW)
    account = parse([("account_number", cat.account)])  # the customer row is gone
    lift_restriction(
        estate.loaded, account, settings=estate.settings, told_at=NOW, lifted_by="dpo", now=NOW
    )
    assert _flags(estate, "call", 2) == [True, True, True]
