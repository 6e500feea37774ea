"""The store refuses a hash key other than the one its keyed hashes were made with."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.settings import Settings
from pledge.store import make_engine, session_factory, upgrade
from pledge.store.keycheck import HashKeyMismatch, check_key, check_value
from pledge.store.tables import HashKeyCheck


def test_first_use_records_the_key_and_later_uses_must_match(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}")
    upgrade(settings)
    engine = make_engine(settings)
    with session_factory(engine).begin() as session:
        check_key(session, b"the-key")
    with session_factory(engine).begin() as session:
        check_key(session, b"the-key")
        rows = session.query(HashKeyCheck).all()
        assert [(r.scheme, r.check_value) for r in rows] == [
            ("identity-hash-v2", check_value(b"the-key"))
        ]
        # What is kept cannot stand in for the key or any key derived from it.
        assert b"the-key".hex() not in rows[0].check_value
    refused = pytest.raises(HashKeyMismatch, match="not the key this store's hashes were made")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"another-key")
    engine.dispose()


def test_a_store_hashed_by_an_older_scheme_is_refused(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}")
    upgrade(settings)
    engine = make_engine(settings)
    with session_factory(engine).begin() as session:
        session.add(HashKeyCheck(scheme="identity-hash-v1", check_value="x"))
    refused = pytest.raises(HashKeyMismatch, match="older hashing scheme")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"the-key")
    engine.dispose()


def test_a_store_with_hashes_from_before_the_check_is_marked_as_the_old_scheme(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}")
    upgrade(settings, "0006")
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO suppression (identity_hash, identity_kind, reason, source, actor, at) "
            "VALUES ('ab', 'email', 'opt-out', 'cli', 'dpo', '2026-11-01 00:00:00')"
        )
    upgrade(settings)
    refused = pytest.raises(HashKeyMismatch, match="older hashing scheme")
    with session_factory(engine).begin() as session, refused:
        check_key(session, b"the-key")
    engine.dispose()
