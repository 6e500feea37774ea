"""MySQL and MariaDB through PyMySQL.

Reads use PyMySQL's unbuffered ``SSDictCursor``, which streams rows from the server as they
are fetched instead of loading the whole result first.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pymysql
import pymysql.cursors
from pymysql.constants import CLIENT

from pledge.connectors import sql
from pledge.connectors.base import Row, SQLConnector
from pledge.connectors.urls import parse_server, unavailable


class MySQLConnector(SQLConnector):
    """A MySQL or MariaDB database; ``url`` is ``mysql://user:pw@host:port/db``."""

    dialect = sql.MYSQL

    def __init__(self, system: str, url: str) -> None:
        super().__init__(system)
        server = parse_server(system, url)
        options: dict[str, Any] = {
            "host": server.host,
            "port": server.port or 3306,
            "user": server.user or "",
            "password": server.password or "",
            "database": server.database,
            "charset": server.query.get("charset", "utf8mb4"),
            "connect_timeout": 5,
            "autocommit": True,
            # Rows matched, not rows changed, so counts mean the same as on PostgreSQL.
            "client_flag": CLIENT.FOUND_ROWS,
        }
        if "unix_socket" in server.query:
            options["unix_socket"] = server.query["unix_socket"]
        try:
            self._db = pymysql.connect(**options)
        except pymysql.Error as exc:
            raise unavailable(system, url, exc) from exc
        self.dialect = sql.mysql_dialect(self._db.get_server_info())

    def _stream(self, statement: sql.Statement, batch_size: int) -> Generator[list[Row]]:
        cursor = self._db.cursor(pymysql.cursors.SSDictCursor)
        try:
            cursor.execute(statement.text, statement.params)
            while batch := cursor.fetchmany(batch_size):
                yield list(batch)
        except pymysql.Error as exc:
            raise self._failed(exc, "reading") from exc
        finally:
            # Closing an unbuffered cursor drains what is left, freeing the connection.
            cursor.close()

    def _transaction(self, batches: list[list[sql.Statement]]) -> list[int]:
        counts: list[int] = []
        try:
            self._db.begin()
            with self._db.cursor() as cursor:
                for statements in batches:
                    total = 0
                    for statement in statements:
                        count = cursor.execute(statement.text, statement.params)
                        total += count if statement.counts else 0
                    counts.append(total)
            self._db.commit()
        except pymysql.Error as exc:
            self._db.rollback()
            raise self._failed(exc, "writing (rolled back)") from exc
        return counts

    def _introspect(self, table: str) -> dict[str, str]:
        with self._db.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, column_type FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            )
            return {str(name): str(kind) for name, kind in cursor.fetchall()}

    def close(self) -> None:
        self._db.close()
