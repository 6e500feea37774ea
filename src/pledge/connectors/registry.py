"""The one table of connector kinds: URL scheme → connector class, imported on first use.

Drivers for servers are optional extras, so a kind's module is only imported when a system
of that kind is opened; a missing driver becomes one sentence saying what to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from pledge.connectors import urls
from pledge.connectors.base import ConnectionUnresolved, Connector, DriverMissing
from pledge.declaration.model import System

#: A connector class: called with the system's name and its resolved URL.
Opener = Callable[[str, str], Connector]


@dataclass(frozen=True)
class Kind:
    """One kind of system: its display name, its connector class and the driver it needs."""

    name: str
    connector: str  # "module:Class"
    driver: str
    extra: str | None = None

    def load(self) -> Opener:
        """Import the connector class (and so its driver)."""
        module_name, _, class_name = self.connector.partition(":")
        module = importlib.import_module(module_name)
        cls: Opener = getattr(module, class_name)
        return cls


SQLITE = Kind("sqlite", "pledge.connectors.sqlite:SQLiteConnector", "sqlite3")
POSTGRES = Kind("postgresql", "pledge.connectors.postgres:PostgresConnector", "psycopg", "postgres")
MYSQL = Kind("mysql", "pledge.connectors.mysql:MySQLConnector", "pymysql", "mysql")
DUCKDB = Kind("duckdb", "pledge.connectors.duckdb:DuckDBConnector", "duckdb")

KINDS: dict[str, Kind] = {
    "sqlite": SQLITE,
    "postgresql": POSTGRES,
    "postgres": POSTGRES,
    "postgresql+psycopg": POSTGRES,
    "mysql": MYSQL,
    "mariadb": MYSQL,
    "mysql+pymysql": MYSQL,
    "duckdb": DUCKDB,
}


def kind_of(system_name: str, url: str) -> Kind:
    """The kind for a URL; a clear error for a scheme Pledge does not know."""
    kind = KINDS.get(urls.scheme(url))
    if kind is None:
        raise ConnectionUnresolved(
            system_name,
            f"system '{system_name}': {urls.hide_password(url)} is not a URL Pledge can "
            f"connect to (schemes: {', '.join(KINDS)})",
        )
    return kind


def connector_class(system_name: str, kind: Kind) -> Opener:
    """The connector class for ``kind``, or DriverMissing naming the package to install."""
    try:
        return kind.load()
    except ModuleNotFoundError as exc:
        missing = (exc.name or kind.driver).split(".")[0]
        if missing.startswith("pledge"):
            raise
        extra = f"pip install 'pledge[{kind.extra}]'" if kind.extra else "pip install pledge"
        raise DriverMissing(
            system_name,
            f"system '{system_name}' uses {kind.name} but {missing} is not installed: {extra}",
        ) from exc


def connect(
    system_name: str,
    system: System,
    *,
    environ: Mapping[str, str],
    folder: Path,
    servers: MutableMapping[str, Connector] | None = None,
) -> Connector:
    """Open the system declared as ``system_name``.

    ``environ`` resolves ``env:VAR`` connections (pass ``Settings.environ``); ``folder`` anchors
    relative file paths (pass ``Loaded.folder``). Raises a ConnectorError subclass whose
    message names the system and hides any password.

    ``servers`` lets systems opened together share a connection: it maps each URL opened so
    far to its connector, and a system with the same URL (same server, database and login)
    is given a connector over that connection when its kind can share one (``share``).
    The caller uses them one after another, never at the same time, and closes every one.
    """
    url = urls.resolve(system_name, system.connection, environ, folder)
    if servers is not None:
        share = getattr(servers.get(url), "share", None)
        if callable(share):
            shared: Connector = share(system_name)
            return shared
    opener = connector_class(system_name, kind_of(system_name, url))
    connector = opener(system_name, url)
    if servers is not None:
        servers.setdefault(url, connector)
    return connector
