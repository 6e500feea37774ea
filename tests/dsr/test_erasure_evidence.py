"""Erasure evidence that survives a crash, replays exactly, and is not inflated by repeats.

The crash tests run ``pledge erase`` in a child process that kills itself with SIGKILL at a
named point (:mod:`pledge.faults`), on every engine: the company systems and Pledge's store
both on SQLite, PostgreSQL or MariaDB. Whatever the point, the ledger must name every system
whose rows changed, the re-run must finish and close the interrupted intent, and a replay
after restoring a system must erase the person there again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.dsr import ledger
from pledge.dsr.erasure import erase
from pledge.dsr.replay import replay
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.store.erasure_tables import ErasureLedgerEntry, Restriction
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import (
    BILLING,
    HOUSEHOLDS,
    NOW,
    YAML,
    Estate,
    build,
    owned_by,
    sqlite_urls,
)
from tests.fixtures.keys import TEST_HASH_KEY

KEY = TEST_HASH_KEY
ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]
#: Every point between the steps of one system's erasure, for each of the two systems.
POINTS = [
    f"erasure.{point}:{system}"
    for system in ("billing", "crm")
    for point in ("intent-written", "committed", "files-removed", "done-written")
]
TABLES = {"crm": ("customer", "address", "contact_note"), "billing": ("account", "invoice", "call")}


def _estate(engine: str, tmp_path: Path, request: pytest.FixtureRequest, yaml: str) -> Estate:
    if engine == "sqlite":
        crm, billing = sqlite_urls(tmp_path)
        store = f"sqlite:///{tmp_path / 'pledge.sqlite'}"
    else:
        make: Callable[[], str] = request.getfixturevalue(f"{engine}_database")
        crm, billing, store = make(), make(), make()
    people = list(HOUSEHOLDS)
    build(crm, billing, people)
    settings = Settings(database_url=store, hash_key=KEY)
    upgrade(settings)
    (tmp_path / "pledge.yaml").write_text(yaml.format(crm=crm, billing=billing))
    return Estate(crm, billing, load_text(yaml.format(crm=crm, billing=billing)), settings, people)


@pytest.fixture(params=ENGINES)
def estate(request: pytest.FixtureRequest, tmp_path: Path) -> Estate:
    return _estate(request.param, tmp_path, request, YAML)


def _pledge(
    estate: Estate, folder: Path, *args: str, fault: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLEDGE_HASH_KEY": KEY,
        "PLEDGE_DATABASE_URL": estate.settings.database_url,
        "PLEDGE_CONFIG": str(folder / "pledge.yaml"),
        "PLEDGE_FAULT": fault,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "pledge"), *args],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _entries(estate: Estate) -> list[ErasureLedgerEntry]:
    engine = make_engine(estate.settings)
    try:
        with sa.orm.Session(engine) as session:
            return list(
                session.scalars(sa.select(ErasureLedgerEntry).order_by(ErasureLedgerEntry.id))
            )
    finally:
        engine.dispose()


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The systems whose tables differ between two snapshots."""
    return {
        system for system, tables in TABLES.items() if any(before[t] != after[t] for t in tables)
    }


def _saved(url: str, meta: sa.MetaData) -> dict[str, list[dict[str, Any]]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = {
            t.name: [dict(r) for r in connection.execute(sa.select(t)).mappings()]
            for t in meta.sorted_tables
        }
    engine.dispose()
    return rows


def _restore(url: str, meta: sa.MetaData, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Put a system back as it was saved: a restore from last night's backup."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for table in reversed(meta.sorted_tables):
            connection.execute(table.delete())
        for table in meta.sorted_tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
    engine.dispose()


@pytest.mark.parametrize("point", POINTS)
def test_a_crash_at_any_point_leaves_a_ledger_that_names_every_system_erased(
    estate: Estate, tmp_path: Path, point: str
) -> None:
    cat = estate.people[2]
    before = estate.rows()
    saved_billing = _saved(estate.billing, BILLING)

    crashed = _pledge(estate, tmp_path, "erase", "--email", cat.email, "--yes", fault=point)

    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    changed = _changed(before, estate.rows())
    named = {e.system for e in _entries(estate)}
    assert changed <= named, f"{point}: {changed - named} erased but not in the ledger"

    again = _pledge(estate, tmp_path, "erase", "--email", cat.email, "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    after = estate.rows()
    assert after["customer"][cat.id][2] == "*** *****"
    for table, rows in before.items():
        for key, row in rows.items():
            if not owned_by(cat, table, key):
                assert after[table][key] == row, (point, table, key)
    engine = make_engine(estate.settings)
    hashed = ledger.hash_identities(parse([("email", cat.email)]), KEY)
    assert ledger.interrupted(engine, request_id=None, hashed=hashed) == {}
    engine.dispose()
    if "intent-written" not in point and "done-written" not in point:
        # The writes committed and the completion was lost: the re-run says so.
        assert "completes erasure" in again.stdout, again.stdout

    _restore(estate.billing, BILLING, saved_billing)
    assert estate.rows()["account"][cat.account][2] == "Cat Jones"
    replay(estate.loaded, settings=estate.settings, system="billing", now=NOW)
    assert estate.rows() == after


# A billing that holds no identity of its own: its rows are found only through the customer
# id read in the CRM. Replay on billing alone must still find them.
NO_OWN_IDENTITY = YAML.replace(
    "number: {{primary_key: true, identity: account_number}}", "number: {{primary_key: true}}"
)


def test_replay_erases_rows_found_through_another_systems_values(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    estate = _estate("sqlite", tmp_path, request, NO_OWN_IDENTITY)
    ann = estate.people[0]
    saved = _saved(estate.billing, BILLING)
    erase(estate.loaded, parse([("email", ann.email)]), settings=estate.settings, now=NOW)
    erased = estate.rows()
    assert erased["account"][ann.account][3] is None  # the billing email was cleared
    _restore(estate.billing, BILLING, saved)
    assert estate.rows()["account"][ann.account][3] == ann.email

    done = replay(estate.loaded, settings=estate.settings, system="billing", now=NOW)

    assert (done.erasures, done.people) == (1, 1)
    assert estate.rows() == erased
    entries = len(_entries(estate))
    again = replay(estate.loaded, settings=estate.settings, system="billing", now=NOW)
    assert (again.erasures, again.people) == (1, 0)
    assert len(_entries(estate)) == entries, "a replay that found nothing wrote entries"


def _restrictions(estate: Estate) -> int:
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(Restriction)).scalar()
    engine.dispose()
    return int(count or 0)


def test_a_repeat_erasure_changes_nothing_and_is_recorded_as_such(estate: Estate) -> None:
    person = estate.people[2]
    cat = parse([("email", person.email)])
    first = erase(estate.loaded, cat, settings=estate.settings, now=NOW)
    # Her email is hashed now; her customer id still finds her erased rows.
    cat = parse([("customer_id", str(person.id))])
    rows, restricted = estate.rows(), _restrictions(estate)
    assert first.erased > 0 and restricted > 0

    for _ in range(2):
        repeat = erase(estate.loaded, cat, settings=estate.settings, now=NOW)
        assert repeat.complete and repeat.erased == 0
        assert estate.rows() == rows  # no hash of a hash, no flag written twice
        assert _restrictions(estate) == restricted

    phases = [e.phase for e in _entries(estate) if e.erasure_id == repeat.erasure_id]
    assert phases and set(phases) == {"unchanged"}


def test_concurrent_erasures_of_one_person_run_one_after_the_other(estate: Estate) -> None:
    person = estate.people[2]
    cat = parse([("email", person.email)])
    addresses = sum(1 for key in estate.rows()["address"] if owned_by(person, "address", key))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(erase(estate.loaded, cat, settings=estate.settings, now=NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    # Only one of them found anything to change; the others changed nothing and say so.
    erased = sorted(r.erased for r in results)
    assert erased[:-1] == [0, 0] and erased[-1] > 0
    # The ledger counts what the writes changed: the address deleted once, not three times.
    done = [e for e in _entries(estate) if e.phase == "done"]
    assert sum(e.rows for e in done if e.dataset == "address") == addresses


def test_replay_leaves_a_row_that_only_shares_a_searched_value(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Zed's account came after Ann's erasure and names the customer id Ann had (ids are
    # reused): the value billing was searched with finds it, but it is not a row Ann's
    # erasure erased, so replay must leave it.
    estate = _estate("sqlite", tmp_path, request, NO_OWN_IDENTITY)
    ann = estate.people[0]
    saved = _saved(estate.billing, BILLING)
    erase(estate.loaded, parse([("email", ann.email)]), settings=estate.settings, now=NOW)
    erased = estate.rows()
    zed = {
        "number": "ZED-0001",
        "customer_id": ann.id,
        "holder": "Zed New",
        "email": "zed@example.uk",
        "plan": "Fibre 100",
    }
    _restore(estate.billing, BILLING, {**saved, "account": [*saved["account"], zed]})

    replay(estate.loaded, settings=estate.settings, system="billing", now=NOW)

    after = estate.rows()
    assert after["account"]["ZED-0001"] == tuple(zed.values())
    assert {k: v for k, v in after["account"].items() if k != "ZED-0001"} == erased["account"]


# A third system where the person is only mentioned (another party's record naming her email).
WITH_NETWORK = YAML.replace(
    "retention:\n",
    """  network:
    connection: "{network}"
    datasets:
      referral:
        erase: update
        fields:
          id: {{primary_key: true}}
          referred_by: {{categories: [user.name], erase: keep}}
          friend_email: {{mention: email, erase: nullify}}
retention:
""",
    1,
)


def test_a_system_where_only_a_mention_changes_is_named_in_the_ledger(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    network = f"sqlite:///{tmp_path / 'network.sqlite'}"
    engine = sa.create_engine(network)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE referral"
                " (id INTEGER PRIMARY KEY, referred_by TEXT, friend_email TEXT)"
            )
        )
        connection.execute(
            sa.text("INSERT INTO referral VALUES (1, 'Dan', :e), (2, 'Eve', 'eve@example.uk')"),
            {"e": HOUSEHOLDS[0].email},
        )
    yaml = WITH_NETWORK.replace("{network}", network)
    estate = _estate("sqlite", tmp_path, request, yaml)
    crashed = _pledge(
        estate,
        tmp_path,
        "erase",
        "--email",
        HOUSEHOLDS[0].email,
        "--yes",
        fault="erasure.committed:network",
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    with engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT id, friend_email FROM referral ORDER BY id")
        ).all()
    engine.dispose()
    assert left == [(1, None), (2, "eve@example.uk")]
    assert "network" in {e.system for e in _entries(estate)}
