"""Each retention test runs on a fresh source database of every kind Pledge sweeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.retention import world

ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


@pytest.fixture(params=ENGINES)
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty company database: a SQLite file, or a new PostgreSQL/MariaDB one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'company.sqlite'}"
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def source(source_url: str) -> Iterator[sa.Engine]:
    """The test company, built and filled, on each engine."""
    engine = sa.create_engine(source_url)
    world.build(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_url(source_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes further empty databases of the same kind as ``source_url``."""
    if source_url.startswith("sqlite"):
        count = iter(range(1000))
        return lambda: f"sqlite:///{tmp_path / f'other{next(count)}.sqlite'}"
    kind = "postgres" if source_url.startswith("postgresql") else "mariadb"
    factory: Callable[[], str] = request.getfixturevalue(f"{kind}_database")
    return factory
