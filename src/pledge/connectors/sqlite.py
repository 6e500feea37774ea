"""SQLite files through the standard library's sqlite3."""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from pathlib import Path

from pledge.connectors import sql
from pledge.connectors.base import Row, SQLConnector, SystemUnavailable


class SQLiteConnector(SQLConnector):
    """A SQLite database file. ``url`` is ``sqlite:///relative.db`` or ``sqlite:////abs.db``
    after resolution, i.e. the path is everything after ``sqlite:///``."""

    dialect = sql.SQLITE

    def __init__(self, system: str, url: str) -> None:
        super().__init__(system)
        path = url.removeprefix("sqlite:///")
        if path != ":memory:" and not Path(path).is_file():
            # sqlite3 would silently create an empty file and every read would find nothing.
            raise SystemUnavailable(
                system, f"system '{system}': the SQLite file {path} does not exist"
            )
        # Autocommit mode: transactions are opened explicitly, so a read never holds a lock.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.create_function(sql.FOLD_FUNCTION, 1, sql.fold_value, deterministic=True)
        # An ICU build's lower() is not the ASCII-only one spellings() expect.
        self.dialect = sql.sqlite_dialect(self._db.execute(sql.SQLITE_LOWER).fetchone()[0])

    def _stream(self, statement: sql.Statement, batch_size: int) -> Generator[list[Row]]:
        try:
            cursor = self._db.execute(statement.text, statement.params)
        except sqlite3.Error as exc:
            raise self._failed(exc, "reading") from exc
        try:
            while batch := cursor.fetchmany(batch_size):
                yield [dict(row) for row in batch]
        finally:
            cursor.close()

    def _transaction(self, batches: list[list[sql.Statement]]) -> list[int]:
        counts: list[int] = []
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for statements in batches:
                total = 0
                for statement in statements:
                    count = self._db.execute(statement.text, statement.params).rowcount
                    total += count if statement.counts else 0
                counts.append(total)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise self._failed(exc, "writing (rolled back)") from exc
        return counts

    def _introspect(self, table: str) -> dict[str, str]:
        rows = self._db.execute("SELECT name, type FROM pragma_table_info(?)", (table,)).fetchall()
        return {row["name"]: row["type"] or "" for row in rows}

    def close(self) -> None:
        self._db.close()
