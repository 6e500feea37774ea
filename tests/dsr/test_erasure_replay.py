"""Replay: a system restored from a backup has its past erasures applied again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pledge.dsr.erasure import erase
from pledge.dsr.ledger import LedgerIsAppendOnly
from pledge.dsr.replay import replay
from pledge.store import make_engine
from pledge.store.erasure_tables import ErasureLedgerEntry
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import NOW, Estate, estate, owned_by

__all__ = ["estate"]


def test_replay_after_restoring_a_backup_erases_again(estate: Estate, tmp_path: Path) -> None:
    ann = estate.people[0]
    billing = Path(estate.billing.removeprefix("sqlite:///"))
    backup = tmp_path / "billing-backup.sqlite"
    shutil.copy(billing, backup)
    erase(estate.loaded, parse([("email", ann.email)]), settings=estate.settings, now=NOW)
    erased = estate.rows()
    shutil.copy(backup, billing)  # the restore brings Ann's billing rows back
    assert estate.rows()["account"][ann.account][2] == "Ann Smith"

    done = replay(estate.loaded, settings=estate.settings, system="billing", now=NOW)

    assert (done.erasures, done.people) == (1, 1)
    assert estate.rows() == erased
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        identities = connection.execute(sa.select(ErasureLedgerEntry.identities)).scalars()
        kinds = {kind for entry in identities for kind in entry}
    engine.dispose()
    # The ledger found Ann in billing by her account number, a hash it took from her rows.
    assert {"email", "account_number", "customer_id"} <= kinds


def test_replay_with_nothing_in_the_ledger_does_nothing(estate: Estate) -> None:
    before = estate.rows()
    done = replay(estate.loaded, settings=estate.settings, system="crm", now=NOW)
    assert (done.erasures, done.people) == (0, 0)
    assert estate.rows() == before


def test_replay_leaves_the_neighbours_alone(estate: Estate, tmp_path: Path) -> None:
    bob = estate.people[1]
    crm = Path(estate.crm.removeprefix("sqlite:///"))
    shutil.copy(crm, tmp_path / "crm-backup.sqlite")
    before = estate.rows()
    erase(estate.loaded, parse([("email", bob.email)]), settings=estate.settings, now=NOW)
    shutil.copy(tmp_path / "crm-backup.sqlite", crm)
    replay(estate.loaded, settings=estate.settings, system="crm", now=NOW)
    after = estate.rows()
    for table in ("customer", "address", "contact_note"):
        for key, row in before[table].items():
            if not owned_by(bob, table, key):
                assert after[table][key] == row
    assert after["customer"][bob.id][2] == "*** *****"


def test_the_ledger_is_append_only(estate: Estate) -> None:
    erase(estate.loaded, parse([("email", estate.people[0].email)]), settings=estate.settings)
    engine = make_engine(estate.settings)
    with pytest.raises(LedgerIsAppendOnly), Session(engine) as session:
        entry = session.scalars(sa.select(ErasureLedgerEntry)).first()
        assert entry is not None
        entry.rows = 0
        session.commit()
    with pytest.raises(LedgerIsAppendOnly), Session(engine) as session:
        session.execute(sa.delete(ErasureLedgerEntry))
    engine.dispose()
