"""Fixtures for the store tests: settings for a fresh store on each engine Pledge supports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge.settings import Settings
from pledge.store import make_engine, upgrade

ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for an empty store: a SQLite file, or a new PostgreSQL or MariaDB database."""
    if request.param == "sqlite":
        # A folder that does not exist yet: make_engine must create it.
        return Settings(database_url=f"sqlite:///{tmp_path / 'store' / 'pledge.sqlite'}")
    url: str = request.getfixturevalue(f"{request.param}_url")
    return Settings(database_url=url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    """An engine on that store, migrated to the latest revision."""
    upgrade(settings)
    made = make_engine(settings)
    yield made
    made.dispose()
