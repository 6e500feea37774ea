"""Erasure on SQLite: the person's rows go, exemptions stay and are listed, failures are loud."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge.connectors import QueryFailed, SystemUnavailable
from pledge.declaration import load_text
from pledge.dsr.erasure import ErasureIncomplete, ErasureRefused, ErasureResult, erase
from pledge.dsr.strategies import StrategyError, hashed
from pledge.settings import Settings
from pledge.store import AuditEvent, StoreUnavailable, make_engine
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction
from pledge.subjects.holds import place
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import NOW, YAML, Estate, estate, owned_by
from tests.fixtures.keys import OTHER_HASH_KEY, TEST_HASH_KEY

__all__ = ["estate"]


def _erase(world: Estate, email: str) -> ErasureResult:
    return erase(world.loaded, parse([("email", email)]), settings=world.settings, now=NOW)


def test_erases_the_person_and_nobody_else(estate: Estate) -> None:
    ann = estate.people[0]
    before = estate.rows()
    result = erase(
        estate.loaded,
        parse([("email", ann.email)]),
        settings=estate.settings,
        now=NOW,
        request_id="R-1",
    )
    after = estate.rows()
    assert result.complete and result.with_exemptions
    for table, rows in before.items():
        for key, row in rows.items():
            if not owned_by(ann, table, key):
                assert after[table][key] == row, f"{table} {key} of someone else changed"
    _, email, name, landline, _ = after["customer"][ann.id]
    assert (email, name, landline) == (hashed(ann.email, TEST_HASH_KEY), "*** *****", None)
    assert not [k for k in after["address"] if owned_by(ann, "address", k)]
    _, _, holder, email, plan = after["account"][ann.account]
    assert (holder, email, plan) == (hashed("Ann Smith", TEST_HASH_KEY, 40), None, "Fibre 500")
    note = after["contact_note"][ann.id * 1000]
    assert "Ann" not in note[2] and note[2].startswith("*** *****")


def test_exemptions_are_kept_listed_and_restricted(estate: Estate) -> None:
    cat = estate.people[2]
    result = erase(estate.loaded, parse([("email", cat.email)]), settings=estate.settings, now=NOW)
    after = estate.rows()
    billing = next(s for s in result.systems if s.system == "billing")
    kept = {d.dataset: d.kept for d in billing.datasets}
    (invoices,) = kept["invoice"]
    assert (invoices.rule, invoices.rows) == ("invoices-6-years", 2)
    assert "Companies Act 2006 s.388" in invoices.reason
    assert invoices.restricted_by == "Pledge's restriction register"
    (calls,) = kept["call"]
    assert (calls.rows, calls.restricted_by) == (3, "column restricted")
    # The old invoice and call went; the recent ones stay, and the calls carry the flag.
    mine = {k: r for k, r in after["call"].items() if owned_by(cat, "call", k)}
    assert len(mine) == 3 and all(r[-1] for r in mine.values())
    assert len([k for k in after["invoice"] if owned_by(cat, "invoice", k)]) == 2
    text = result.text()
    assert "kept 2 row(s) under 'invoices-6-years'" in text
    assert result.certificate()["status"] == "complete-with-exemptions"
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        register = connection.execute(sa.select(Restriction)).all()
        ledger = connection.execute(sa.select(ErasureLedgerEntry)).all()
    engine.dispose()
    assert {(r.system, r.dataset, len(r.row_keys)) for r in register} == {
        ("billing", "invoice", 2),
        ("billing", "call", 3),
    }
    assert all(r.origin == "erasure-exemption" for r in register)
    assert {(e.system, e.dataset) for e in ledger} >= {("crm", "customer"), ("billing", "account")}
    assert cat.email not in str([e.identities for e in ledger])  # hashes only


def test_a_failure_mid_system_rolls_that_system_back(estate: Estate) -> None:
    ann = estate.people[0]
    with sqlite3.connect(estate.crm.removeprefix("sqlite:///")) as db:
        # The last statements of crm's transaction fail, after address and notes were written.
        db.execute(
            "CREATE TRIGGER no_delete BEFORE UPDATE ON customer "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    db.close()
    before = estate.rows()
    with pytest.raises(ErasureIncomplete, match=r"crm: .*disk on fire") as caught:
        _erase(estate, ann.email)
    after = estate.rows()
    for table in ("customer", "address", "contact_note"):
        assert after[table] == before[table], f"crm.{table} was not rolled back"
    statuses = {s.system: s.status for s in caught.value.result.systems}
    assert statuses == {"billing": "erased", "crm": "failed"}
    assert not caught.value.result.complete


def test_data_left_in_place_fails_loudly(estate: Estate) -> None:
    bob = estate.people[1]
    with sqlite3.connect(estate.crm.removeprefix("sqlite:///")) as db:
        # A database that quietly ignores the delete: the erasure must not believe it.
        db.execute(
            "CREATE TRIGGER keep_address BEFORE DELETE ON address BEGIN SELECT RAISE(IGNORE); END"
        )
    db.close()
    with sqlite3.connect(estate.billing.removeprefix("sqlite:///")) as db:
        db.execute(
            "CREATE TRIGGER keep_email AFTER UPDATE OF email ON account WHEN NEW.email IS NULL "
            "BEGIN UPDATE account SET email = OLD.email WHERE number = NEW.number; END"
        )
    db.close()
    with pytest.raises(ErasureIncomplete) as caught:
        _erase(estate, bob.email)
    message = str(caught.value)
    assert "crm.address: 1 row(s) still hold the data" in message
    assert "billing.account: 1 row(s) still hold the data (fields: email)" in message
    assert caught.value.result.certificate()["status"] == "failed"


def test_no_hash_key_refuses_before_anything(estate: Estate) -> None:
    before = estate.rows()
    settings = estate.settings.__class__(database_url=estate.settings.database_url)
    with pytest.raises(StrategyError, match="PLEDGE_HASH_KEY"):
        erase(estate.loaded, parse([("email", estate.people[0].email)]), settings=settings)
    assert estate.rows() == before


def test_another_hash_key_refuses_before_anything(estate: Estate) -> None:
    # The ledger's hashes made under one key, an erasure under another: a replay after a
    # restore would never find this person again. Refused before any system is touched.
    _erase(estate, estate.people[1].email)
    before = estate.rows()
    settings = replace(estate.settings, hash_key=OTHER_HASH_KEY)
    with pytest.raises(StoreUnavailable, match="PLEDGE_HASH_KEY is not the key"):
        erase(estate.loaded, parse([("email", estate.people[0].email)]), settings=settings)
    assert estate.rows() == before


def test_a_system_that_is_down_stops_it_before_any_write(estate: Estate) -> None:
    before = estate.rows()
    billing = Path(estate.billing.removeprefix("sqlite:///"))
    billing.rename(billing.with_suffix(".away"))
    with pytest.raises(SystemUnavailable, match="billing"):
        _erase(estate, estate.people[0].email)
    billing.with_suffix(".away").rename(billing)
    assert estate.rows() == before


def test_someone_unknown_is_complete_with_nothing_found(estate: Estate) -> None:
    result = _erase(estate, "nobody@example.uk")
    assert result.complete and result.erased == 0


def test_audit_records_each_system_and_the_outcome(estate: Estate) -> None:
    _erase(estate, estate.people[0].email)
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        actions = [a for (a,) in connection.execute(sa.select(AuditEvent.action))]
    engine.dispose()
    assert actions == ["erasure.system", "erasure.system", "erasure.complete"]


def test_deleting_rows_that_updated_rows_still_point_at_is_refused(estate: Estate) -> None:
    # The same estate, but customers deleted while their notes are only masked.
    customer = YAML[YAML.index("      customer:") : YAML.index("      address:")]
    deleted = re.sub(r", erase: \w+", "", customer.replace("        erase: update\n", ""))
    text = YAML.replace(customer, deleted).format(crm=estate.crm, billing=estate.billing)
    before = estate.rows()
    with pytest.raises(ErasureRefused, match=r"crm\.customer is erased by deleting rows, but"):
        erase(load_text(text), parse([("email", estate.people[0].email)]), settings=estate.settings)
    assert estate.rows() == before


def test_a_legal_hold_keeps_the_persons_rows(estate: Estate) -> None:
    ann, bob = estate.people[:2]
    engine = make_engine(estate.settings)
    # Held by account number: the erasure is asked by email and finds the account itself.
    place(
        engine,
        reason="Claim 42 in the County Court",
        set_by="legal@northwold.example",
        identity="account_number",
        value=ann.account,
    )
    place(engine, reason="Ofcom inquiry", set_by="dpo", dataset="crm.address")
    engine.dispose()
    before = estate.rows()
    result = _erase(estate, ann.email)
    after = estate.rows()
    for table in ("customer", "call"):  # kept and restricted: only the flag changed
        flags = {k: r[-1] for k, r in after[table].items() if owned_by(ann, table, k)}
        assert all(flags.values())
        after[table] = {k: (*r[:-1], before[table][k][-1]) for k, r in after[table].items()}
    assert after == before  # nothing of Ann's went
    kept = {(d.dataset, k.rule) for s in result.systems for d in s.datasets for k in d.kept}
    assert ("customer", "hold #1") in kept and ("invoice", "hold #1") in kept
    assert "Claim 42 in the County Court" in result.text()
    bob_result = _erase(estate, bob.email)  # a dataset hold keeps only that dataset
    reasons = {
        d.dataset: [k.reason for k in d.kept] for s in bob_result.systems for d in s.datasets
    }
    assert reasons["address"] == ["legal hold set by dpo: Ofcom inquiry"]
    assert bob.id * 1000 in estate.rows()["address"]


def test_a_declared_column_missing_from_the_database_stops_it_before_any_write(
    estate: Estate,
) -> None:
    drifted = YAML.replace(
        "          landline:",
        "          middle_name: {{categories: [user.name], erase: mask}}\n          landline:",
    )
    loaded = load_text(drifted.format(crm=estate.crm, billing=estate.billing))
    before = estate.rows()
    with pytest.raises(QueryFailed, match="middle_name"):
        erase(loaded, parse([("email", estate.people[0].email)]), settings=estate.settings)
    assert estate.rows() == before


def test_a_store_without_the_ledger_stops_it_before_any_write(
    estate: Estate, tmp_path: Path
) -> None:
    bare = Settings(database_url=f"sqlite:///{tmp_path / 'bare.sqlite'}", hash_key=TEST_HASH_KEY)
    before = estate.rows()
    with pytest.raises(StoreUnavailable, match="pledge db upgrade"):
        erase(estate.loaded, parse([("email", estate.people[0].email)]), settings=bare)
    assert estate.rows() == before
