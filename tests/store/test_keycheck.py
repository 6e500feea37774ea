"""The store refuses a hash key other than the one its keyed hashes were made with.

Each test runs on SQLite, PostgreSQL and MariaDB (tests/store/conftest.py).
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.settings import Settings
from pledge.store import make_engine, session_factory, upgrade
from pledge.store.keycheck import HashKeyMismatch, check_key, check_value
from pledge.store.tables import HashKeyCheck

#: One keyed hash in the store: from then on the recorded key is the store's key.
SUPPRESSED = (
    "INSERT INTO suppression (identity_hash, identity_kind, reason, source, actor, at) "
    "VALUES ('ab', 'email', 'opt-out', 'cli', 'dpo', '2026-11-01 00:00:00')"
)


def test_first_use_records_the_key_and_later_uses_must_match(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        check_key(session, b"the-key")
    with session_factory(engine).begin() as session:
        check_key(session, b"the-key")
        session.execute(sa.text(SUPPRESSED))
        rows = session.query(HashKeyCheck).all()
        assert [(r.scheme, r.check_value) for r in rows] == [
            ("identity-hash-v2", check_value(b"the-key"))
        ]
        # What is kept cannot stand in for the key or any key derived from it.
        assert b"the-key".hex() not in rows[0].check_value
    refused = pytest.raises(HashKeyMismatch, match="not the key this store's hashes were made")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"another-key")


def test_a_store_hashed_by_an_older_scheme_is_refused(engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        session.add(HashKeyCheck(scheme="identity-hash-v1", check_value="x"))
    refused = pytest.raises(HashKeyMismatch, match="older hashing scheme")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"the-key")


def test_a_store_with_hashes_from_before_the_check_is_marked_as_the_old_scheme(
    settings: Settings,
) -> None:
    upgrade(settings, "0006")
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.exec_driver_sql(SUPPRESSED)
    upgrade(settings)
    refused = pytest.raises(HashKeyMismatch, match="older hashing scheme")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"the-key")
    engine.dispose()


def test_a_key_recorded_before_any_hash_was_written_gives_way(engine: Engine) -> None:
    # A first command run with a scratch key (and failing, or writing nothing) must not bind
    # the store to it: there is nothing yet for another key to mis-match.
    with session_factory(engine).begin() as session:
        check_key(session, b"scratch")
    with session_factory(engine).begin() as session:
        check_key(session, b"the-key")
        session.execute(sa.text(SUPPRESSED))
    refused = pytest.raises(HashKeyMismatch, match="not the key")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"scratch")


def test_two_first_uses_at_once_both_pass(engine: Engine) -> None:
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def first_use() -> None:
        try:
            with session_factory(engine).begin() as session:
                start.wait()
                check_key(session, b"the-key")
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    for _ in range(10):
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM hash_key_check"))
        threads = [threading.Thread(target=first_use) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
