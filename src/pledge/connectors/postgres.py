"""PostgreSQL through psycopg 3.

Reads are one round trip each: the statement is sent once and its rows arrive in chunks of
``batch_size`` (libpq's chunked-rows mode, psycopg's ``Cursor.stream``), so a subject with
millions of call records never sits in memory at once, and a lookup of a few rows costs no
more than a plain query. (A server-side cursor costs five: BEGIN, DECLARE, FETCH, CLOSE,
COMMIT.) With a libpq older than 17, which cannot send chunks, rows arrive one at a time.

Column types come from ``pg_catalog`` (``format_type``, so lengths are included:
``character varying(36)``), read for the whole schema in one query on first use and kept for
the life of the connection: ``information_schema`` costs 5-15 ms per table on a new backend.

Systems declared on the same server and database can share one connection
(:meth:`PostgresConnector.share`): each system's writes are still one transaction of their
own, run one after another. Writes run inside one explicit transaction.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

from pledge.connectors import sql
from pledge.connectors.base import Row, SQLConnector
from pledge.connectors.urls import unavailable

#: Every column of every table, view and foreign table in the current schema, with lengths.
_SCHEMA_COLUMNS = """
SELECT c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = (
        SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema()
      )
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped
"""
_ORDER = " ORDER BY c.relname, a.attnum"
#: libpq 17 is the first that can deliver a result in chunks of many rows.
_CHUNKS = psycopg.pq.version() >= 170000


@dataclass
class _Server:
    """One open connection and what is known about its schema, shared by its systems."""

    db: psycopg.Connection[Row]
    users: int = 1
    types: dict[str, dict[str, str]] = field(default_factory=dict)
    loaded: bool = False


class PostgresConnector(SQLConnector):
    """A PostgreSQL database; ``url`` is ``postgresql://user:pw@host:port/db``."""

    dialect = sql.POSTGRES

    def __init__(self, system: str, url: str, *, _server: _Server | None = None) -> None:
        super().__init__(system)
        self._closed = False
        if _server is not None:
            _server.users += 1
            self._server = _server
            return
        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            # Autocommit: every unit of work opens its own explicit transaction() block.
            db = psycopg.connect(conninfo, autocommit=True, connect_timeout=5, row_factory=dict_row)
        except psycopg.Error as exc:
            raise unavailable(system, url, exc) from exc
        self._server = _Server(db)

    @property
    def _db(self) -> psycopg.Connection[Row]:
        return self._server.db

    def share(self, system: str) -> PostgresConnector:
        """A connector for another system on the same database, over this connection.

        The connection stays open until every connector sharing it is closed.
        """
        return PostgresConnector(system, "", _server=self._server)

    def _stream(self, statement: sql.Statement, batch_size: int) -> Generator[list[Row]]:
        size = batch_size if _CHUNKS else 1
        try:
            with self._db.cursor() as cursor:
                batch: list[Row] = []
                for row in cursor.stream(statement.text, statement.params, size=size):
                    batch.append(row)
                    if len(batch) >= batch_size:
                        yield batch
                        batch = []
                if batch:
                    yield batch
        except psycopg.Error as exc:
            raise self._failed(exc, "reading") from exc

    def _transaction(self, batches: list[list[sql.Statement]]) -> list[int]:
        counts: list[int] = []
        try:
            with self._db.transaction(), self._db.cursor() as cursor:
                for statements in batches:
                    total = 0
                    for statement in statements:
                        cursor.execute(statement.text, statement.params)
                        total += max(cursor.rowcount, 0) if statement.counts else 0
                    counts.append(total)
        except psycopg.Error as exc:
            raise self._failed(exc, "writing (rolled back)") from exc
        return counts

    def columns(self, table: str) -> dict[str, str]:
        """Column name → type with its length or precision (``character varying(36)``)."""
        server = self._server
        if not server.loaded:
            server.types.update(self._catalog(_SCHEMA_COLUMNS + _ORDER, ()))
            server.loaded = True
        if table not in server.types:
            # Made after the schema was read, or not there at all (then remembered as empty).
            found = self._catalog(_SCHEMA_COLUMNS + " AND c.relname = %s" + _ORDER, (table,))
            server.types[table] = found.get(table, {})
        return dict(server.types[table])

    def _catalog(self, text: str, params: tuple[str, ...]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        try:
            with self._db.cursor() as cursor:
                cursor.execute(text, params)
                for row in cursor.fetchall():
                    out.setdefault(row["table_name"], {})[row["column_name"]] = row["column_type"]
        except psycopg.Error as exc:
            raise self._failed(exc, "reading the table definitions") from exc
        return out

    def _introspect(self, table: str) -> dict[str, str]:
        return self.columns(table)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.users -= 1
        if self._server.users <= 0:
            self._db.close()
