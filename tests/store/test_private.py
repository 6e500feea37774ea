"""Pledge's store file and its screening cache are owner-only, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge.consent.screen_cli import _open_cache
from pledge.settings import Settings
from pledge.store import audit, make_engine, upgrade


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("permissive_umask")
def test_the_store_file_is_owner_only(tmp_path: Path) -> None:
    database = tmp_path / ".pledge" / "pledge.sqlite"
    settings = Settings(database_url=f"sqlite:///{database}")
    upgrade(settings)
    engine = make_engine(settings)
    with engine.connect() as reading:  # held open so the -wal and -shm files stay
        reading.execute(sa.text("SELECT 1"))
        audit(engine, actor="dpo", action="test.write")
        made = [
            database,
            database.with_name("pledge.sqlite-wal"),
            database.with_name("pledge.sqlite-shm"),
        ]
        assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}
    engine.dispose()
    assert mode(database.parent) == 0o700


@pytest.mark.usefixtures("permissive_umask")
def test_the_screening_cache_is_owner_only(tmp_path: Path) -> None:
    cache = tmp_path / ".pledge" / "screening.duckdb"
    connection = _open_cache(cache)
    connection.execute("CREATE TABLE t (a INTEGER)")
    connection.close()
    assert mode(cache) == 0o600
    assert mode(cache.parent) == 0o700
