"""Fixtures for consent tests: a migrated store on SQLite and on PostgreSQL, and a hasher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.subjects.hashing import Hasher
from tests.fixtures.keys import TEST_HASH_KEY

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh store, migrated to the latest revision."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pledge.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    made = Settings(database_url=url, hash_key=TEST_HASH_KEY)
    upgrade(made)
    return made


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the migrated store."""
    made = make_engine(settings)
    yield made
    made.dispose()


@pytest.fixture
def hasher() -> Hasher:
    """The hasher for the tests' key."""
    return Hasher(TEST_HASH_KEY.encode())
