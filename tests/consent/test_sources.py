"""The screening cache: only changes are copied, and a cache that differs from the store is
rebuilt before anything is screened against it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from sqlalchemy.engine import Engine

from pledge.consent import registers
from pledge.consent.ledger import Change, record
from pledge.consent.screen import Campaign, screen
from pledge.consent.sources import Refreshed, refresh
from pledge.consent.suppression import resubscribe, suppress
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.store.database import session_factory
from pledge.subjects.hashing import Hasher
from tests.fixtures.keys import TEST_HASH_KEY

NEWS = Campaign("email", "news")


def grant(engine: Engine, hasher: Hasher, email: str, action: str = "grant") -> None:
    with session_factory(engine).begin() as session:
        record(session, hasher, Change("email", email, action, "news", "email", basis="consent"))


def update(engine: Engine, cache: Path) -> Refreshed:
    connection = duckdb.connect(str(cache))
    try:
        with engine.connect() as store:
            return refresh(store, connection)
    finally:
        connection.close()


def reasons(engine: Engine, cache: Path, hasher: Hasher, tmp_path: Path) -> dict[str, str]:
    """Refresh the cache, screen an audience of three people by email, read the reasons."""
    update(engine, cache)
    audience = tmp_path / "audience.csv"
    audience.write_text("id,email\nA,a@x.example\nB,b@x.example\nC,c@x.example\n")
    connection = duckdb.connect(str(cache))
    try:
        outcome = screen(connection, audience, NEWS, hasher)
    finally:
        connection.close()
    files = f"['{outcome.allowed_path}', '{outcome.excluded_path}']"
    return dict(duckdb.execute(f"SELECT id, reason FROM read_csv({files})").fetchall())


def test_only_changes_are_copied(engine: Engine, hasher: Hasher, tmp_path: Path) -> None:
    cache = tmp_path / "cache.duckdb"
    for person in "abc":
        grant(engine, hasher, f"{person}@x.example")
    first = update(engine, cache)
    assert first.copied["consent_state"] == 3 and first.rebuilt == []
    assert update(engine, cache).copied == {
        "consent_state": 0,
        "suppression": 0,
        "register_number": 0,
    }
    grant(engine, hasher, "b@x.example", "withdraw")
    with session_factory(engine).begin() as session:
        suppress(session, hasher, "email", "c@x.example")
    assert reasons(engine, cache, hasher, tmp_path) == {
        "A": "consent",
        "B": "withdrawn",
        "C": "suppressed",
    }


def test_a_lifted_suppression_leaves_the_cache(
    engine: Engine, hasher: Hasher, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.duckdb"
    grant(engine, hasher, "a@x.example")
    with session_factory(engine).begin() as session:
        suppress(session, hasher, "email", "a@x.example")
    assert reasons(engine, cache, hasher, tmp_path)["A"] == "suppressed"
    with session_factory(engine).begin() as session:
        change = Change("email", "a@x.example", "grant", "news", "email", basis="consent")
        resubscribe(session, hasher, change, requested_from=("email", "a@x.example"))
    assert reasons(engine, cache, hasher, tmp_path)["A"] == "consent"


def test_a_register_load_copies_the_register_again(engine: Engine, tmp_path: Path) -> None:
    cache = tmp_path / "cache.duckdb"
    full = tmp_path / "tps.txt"
    full.write_bytes(b"07911123456\r\n07911123457\r\n")
    change = tmp_path / "tps-change.txt"
    change.write_bytes(b"A07911123458\r\nD07911123456\r\n")
    with session_factory(engine).begin() as session:
        registers.load(session, full, "tps", "full")
    assert update(engine, cache).copied["register_number"] == 2
    assert update(engine, cache).copied["register_number"] == 0
    with session_factory(engine).begin() as session:
        registers.load(session, change, "tps", "change")
    assert update(engine, cache).copied["register_number"] == 2
    numbers = duckdb.connect(str(cache)).execute("SELECT number FROM register_number ORDER BY 1")
    assert numbers.fetchall() == [(447911123457,), (447911123458,)]


def test_a_change_the_high_water_mark_missed_is_caught(
    engine: Engine, hasher: Hasher, tmp_path: Path
) -> None:
    # As if the withdrawal had committed after a later event was copied: the cache still has
    # the grant before it. Nothing is above the high-water mark and the row at the mark is
    # unchanged, but the sum of event ids is not the store's: the table is copied again.
    cache = tmp_path / "cache.duckdb"
    grant(engine, hasher, "a@x.example")
    grant(engine, hasher, "a@x.example", "withdraw")
    update(engine, cache)
    duckdb.connect(str(cache)).execute(
        "UPDATE consent_state SET status = 'granted', last_event_id = last_event_id - 1"
    ).close()
    refreshed = update(engine, cache)
    assert refreshed.rebuilt == ["consent_state"]
    assert reasons(engine, cache, hasher, tmp_path)["A"] == "withdrawn"


@pytest.mark.parametrize("table", ["consent_state", "suppression", "register_number"])
def test_a_tampered_cache_is_rebuilt(
    engine: Engine, hasher: Hasher, tmp_path: Path, table: str
) -> None:
    cache = tmp_path / "cache.duckdb"
    grant(engine, hasher, "a@x.example")
    with session_factory(engine).begin() as session:
        suppress(session, hasher, "email", "b@x.example")
    numbers = tmp_path / "tps.txt"
    numbers.write_bytes(b"07911123456\r\n")
    with session_factory(engine).begin() as session:
        registers.load(session, numbers, "tps", "full")
    update(engine, cache)
    duckdb.connect(str(cache)).execute(f"DELETE FROM {table}").close()
    assert update(engine, cache).rebuilt == [table]
    assert update(engine, cache).rebuilt == []


def test_another_store_starts_the_cache_again(
    engine: Engine, hasher: Hasher, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.duckdb"
    grant(engine, hasher, "a@x.example")
    update(engine, cache)
    connection = duckdb.connect(str(cache))
    connection.execute(
        "UPDATE screening_cache SET value = 'sqlite:///elsewhere' WHERE name = 'store'"
    )
    connection.execute("INSERT INTO consent_state SELECT * FROM consent_state")
    connection.close()
    refreshed = update(engine, cache)
    assert refreshed.rebuilt == [] and refreshed.copied["consent_state"] == 1


@pytest.mark.parametrize(
    ("purpose", "stream"),
    [('say "hi", all', "line\nbreak, and 'quotes'"), ("news", ""), ("a\rb", "c\r\nd")],
)
def test_any_text_survives_the_copy(
    engine: Engine, hasher: Hasher, tmp_path: Path, purpose: str, stream: str
) -> None:
    # Rows travel to DuckDB through CSV files: nothing in a value may split or shift a column,
    # and an empty text must stay empty, or the next change to the row would not replace it.
    cache = tmp_path / "cache.duckdb"
    for action in ("grant", "withdraw"):
        with session_factory(engine).begin() as session:
            change = Change("email", "a@x.example", action, purpose, "email", stream, "consent")
            record(session, hasher, change)
        assert update(engine, cache).rebuilt == []
    rows = duckdb.connect(str(cache)).execute(
        "SELECT purpose, channel, stream, status, basis, soft_opt_in_valid FROM consent_state"
    )
    assert rows.fetchall() == [(purpose, "email", stream, "withdrawn", None, False)]


def test_a_store_restored_from_a_backup_is_noticed(hasher: Hasher, tmp_path: Path) -> None:
    # The restored store hands out the ids of the lost rows again, to other people: counts
    # and checksums can come out the same, so the cache checks the row at its high-water mark.
    # (Restoring is done here by copying a SQLite file; the check is the same on any engine.)
    store = tmp_path / "pledge.sqlite"
    settings = Settings(database_url=f"sqlite:///{store}", hash_key=TEST_HASH_KEY)
    upgrade(settings)
    engine = make_engine(settings)
    cache = tmp_path / "cache.duckdb"
    grant(engine, hasher, "a@x.example")
    grant(engine, hasher, "b@x.example")
    engine.dispose()
    shutil.copy(store, tmp_path / "backup.sqlite")
    with session_factory(engine).begin() as session:
        suppress(session, hasher, "email", "a@x.example")
    grant(engine, hasher, "c@x.example")
    update(engine, cache)
    engine.dispose()
    shutil.copy(tmp_path / "backup.sqlite", store)
    with session_factory(engine).begin() as session:
        suppress(session, hasher, "email", "b@x.example")
    grant(engine, hasher, "d@x.example", "withdraw")
    refreshed = update(engine, cache)
    assert refreshed.rebuilt == ["consent_state", "suppression"]
    assert reasons(engine, cache, hasher, tmp_path) == {
        "A": "consent",
        "B": "suppressed",
        "C": "no-consent",
    }
    engine.dispose()
