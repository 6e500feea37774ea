"""PostgreSQL through psycopg 3.

Reads use a server-side (named) cursor fetched in batches, so a subject with millions of
call records never sits in memory at once. Writes run inside one explicit transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Generator

import psycopg
from psycopg.rows import dict_row

from pledge.connectors import sql
from pledge.connectors.base import Row, SQLConnector
from pledge.connectors.urls import unavailable

_cursor_ids = itertools.count()


class PostgresConnector(SQLConnector):
    """A PostgreSQL database; ``url`` is ``postgresql://user:pw@host:port/db``."""

    dialect = sql.POSTGRES

    def __init__(self, system: str, url: str) -> None:
        super().__init__(system)
        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            # Autocommit: every unit of work opens its own explicit transaction() block.
            self._db = psycopg.connect(
                conninfo, autocommit=True, connect_timeout=5, row_factory=dict_row
            )
        except psycopg.Error as exc:
            raise unavailable(system, url, exc) from exc

    def _stream(self, statement: sql.Statement, batch_size: int) -> Generator[list[Row]]:
        name = f"pledge_read_{next(_cursor_ids)}"
        try:
            with (
                self._db.transaction(),
                self._db.cursor(name=name, row_factory=dict_row) as cursor,
            ):
                cursor.itersize = batch_size
                cursor.execute(statement.text, statement.params)
                while batch := cursor.fetchmany(batch_size):
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

    def _introspect(self, table: str) -> dict[str, str]:
        with self._db.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            )
            return {row["column_name"]: row["data_type"] for row in cursor.fetchall()}

    def close(self) -> None:
        self._db.close()
