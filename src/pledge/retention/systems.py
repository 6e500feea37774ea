"""Engines for the company's systems, opened the way the connectors resolve them.

A sweep needs what the connector protocol does not offer (a predicate, an order, a limit,
and a write that repeats the predicate in the same transaction), so it runs SQLAlchemy Core
on its own engine. Everything about *where* a system is, ``env:VAR`` connections, paths
relative to the declaration, hidden passwords, comes from :mod:`pledge.connectors.urls`, so
retention and requests always open the same database.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.connectors import ConnectorError, urls
from pledge.declaration import Declaration
from pledge.retention.sql import Unsweepable

#: Connector URL schemes → the SQLAlchemy driver a sweep uses for them.
DRIVERS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mysql+pymysql": "mysql+pymysql",
}


def sqlalchemy_url(system: str, url: str) -> sa.URL:
    """The connector URL as SQLAlchemy wants it; DuckDB file sets are refused by name."""
    kind = urls.scheme(url)
    driver = DRIVERS.get(kind)
    if driver is None:
        raise Unsweepable(
            f"system '{system}' is a {kind or 'file'} system; retention sweeps run on SQLite, "
            "PostgreSQL and MySQL/MariaDB databases"
        )
    parsed = sa.make_url(url)
    return parsed.set(drivername=driver)


class Systems:
    """Opens each system once, on first use; close it to release every connection.

    >>> with Systems(declaration, environ={}, folder=Path(".")) as systems:  # doctest: +SKIP
    ...     engine = systems("network")
    """

    def __init__(self, declaration: Declaration, *, environ: Mapping[str, str], folder: Path):
        self._declaration = declaration
        self._environ = environ
        self._folder = folder
        self._engines: dict[str, Engine] = {}

    def __call__(self, system: str) -> Engine:
        """The engine for ``system``; Unsweepable with a sentence when it cannot be opened."""
        if system in self._engines:
            return self._engines[system]
        declared = self._declaration.systems.get(system)
        if declared is None:
            raise Unsweepable(f"system '{system}' is not declared")
        try:
            url = urls.resolve(system, declared.connection, self._environ, self._folder)
        except ConnectorError as exc:
            raise Unsweepable(str(exc)) from None
        target = sqlalchemy_url(system, url)
        database = target.database or ""
        on_disk = target.get_backend_name() == "sqlite" and database not in ("", ":memory:")
        # SQLite would quietly create an empty file where the database should be.
        if on_disk and not Path(database).is_file():
            raise Unsweepable(f"system '{system}': there is no SQLite file at {database}")
        try:
            engine = sa.create_engine(target)
        except ModuleNotFoundError as exc:
            raise Unsweepable(
                f"system '{system}' needs the {exc.name} driver: pip install 'pledge[postgres]' "
                "or 'pledge[mysql]'"
            ) from None
        self._engines[system] = engine
        return engine

    def close(self) -> None:
        """Dispose of every engine opened."""
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def __enter__(self) -> Systems:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
