"""Fixtures for the store tests: settings for a fresh store on each engine Pledge supports."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.settings import Settings

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
