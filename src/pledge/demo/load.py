"""Bulk loading, one sink per database: SQLite files, PostgreSQL, MariaDB.

Each sink creates its tables, takes rows a chunk at a time the fastest way its engine offers
(COPY for PostgreSQL, multi-row INSERTs for MariaDB, ``executemany`` in one transaction with
journalling off for SQLite; never one statement per row), builds the indexes once the rows are
in, and either commits or leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, CreateTable, SetColumnComment, SetTableComment

from pledge.connectors import sql as pledge_sql

Row = Sequence[Any]


class TargetUnreachable(Exception):
    """A database server could not be reached or used; the message says which and why."""


class Sink(Protocol):
    """Where generated rows go. ``abort`` may be called at any point and undoes everything."""

    label: str

    def create(self, tables: Sequence[sa.Table]) -> None: ...

    def write(self, table: sa.Table, rows: Sequence[Row]) -> None: ...

    def indexes(self) -> list[tuple[str, Callable[[], None]]]: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def _ddl(element: Any, dialect: Dialect) -> str:
    return str(element.compile(dialect=dialect)).strip()


def _names(table: sa.Table, dialect: Dialect) -> tuple[str, str]:
    quote = dialect.identifier_preparer.quote
    return quote(table.name), ", ".join(quote(c.name) for c in table.columns)


#: Loading a brand-new file: no rollback journal, no fsync, a 64 MiB page cache. (Sorting in
#: memory and helper threads for index builds were measured: no faster, far more memory.)
_PRAGMAS = ("journal_mode = OFF", "synchronous = OFF", "cache_size = -65536")


class SqliteSink:
    """One SQLite file, written in one transaction with journalling and syncing off: the
    file is new and sits in a folder that is only renamed into place once complete."""

    def __init__(self, path: Path) -> None:
        self.label = path.name
        self.dialect = sqlite.dialect()
        # Indexes of different files are built in parallel threads (see estate.py); each
        # connection is still used by one thread at a time.
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in _PRAGMAS:
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.execute("BEGIN")
        self.tables: list[sa.Table] = []

    def create(self, tables: Sequence[sa.Table]) -> None:
        for table in tables:
            self.connection.execute(_ddl(CreateTable(table), self.dialect))
            self.tables.append(table)

    def write(self, table: sa.Table, rows: Sequence[Row]) -> None:
        name, _ = _names(table, self.dialect)
        marks = ", ".join("?" * len(table.columns))
        self.connection.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)

    def indexes(self) -> list[tuple[str, Callable[[], None]]]:
        def run(sql: str) -> None:
            self.connection.execute(sql)

        return _index_steps(self.tables, self.dialect, run)

    def commit(self) -> None:
        self.connection.execute("COMMIT")
        self.connection.execute("PRAGMA optimize")
        self.connection.close()  # before the folder is renamed

    def close(self) -> None:
        self.connection.close()

    def abort(self) -> None:
        self.connection.close()  # the caller removes the unfinished folder


def _index_steps(
    tables: Iterable[sa.Table], dialect: Dialect, run: Callable[[str], None]
) -> list[tuple[str, Callable[[], None]]]:
    """One (label, action) per index, so the caller can show progress between them."""
    steps: list[tuple[str, Callable[[], None]]] = []
    for table in tables:
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            label = f"{table.name}.{'+'.join(c.name for c in index.columns)}"
            ddl: str | None = _ddl(CreateIndex(index), dialect)
            if index.info.get("fold"):
                # On the expression requests compare emails by (pledge.connectors.sql.fold);
                # MariaDB can index no expression.
                label += " (fold)"
                ddl = _folded_index(dialect, table, index)
            if ddl is not None:
                steps.append((label, partial(run, ddl)))
    return steps


def _folded_index(dialect: Dialect, table: sa.Table, index: sa.Index) -> str | None:
    ours = {"sqlite": pledge_sql.SQLITE, "postgresql": pledge_sql.POSTGRES}.get(dialect.name)
    if ours is None:
        return None
    [column] = index.info["fold"]
    return pledge_sql.folded_index(ours, table.name, column, str(index.name))


class ServerSink:
    """A PostgreSQL or MariaDB database. Tables this sink creates are dropped on abort, so
    a failed run leaves the server as it found it (MariaDB commits DDL implicitly)."""

    def __init__(self, url: str, *, replace: bool = False) -> None:
        parsed = _normalise(url)
        self.kind = "PostgreSQL" if parsed.get_backend_name() == "postgresql" else "MariaDB"
        self.label = f"{self.kind} {parsed.render_as_string(hide_password=True)}"
        self.replace = replace
        self.engine = sa.create_engine(parsed, poolclass=NullPool)
        try:
            self.raw = self.engine.raw_connection()
        except Exception as exc:  # whatever the driver raises, the server is not usable
            self.engine.dispose()
            lines = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [repr(exc)]
            reason = lines[0].replace(parsed.password or "\0", "***")
            raise TargetUnreachable(f"cannot connect to {self.label}: {reason}") from None
        self.dialect = self.engine.dialect
        driver = self.raw.driver_connection
        if driver is None:
            raise TargetUnreachable(f"{self.label}: the connection closed at once")
        self.connection: Any = driver
        self.created: list[sa.Table] = []
        self.existing = set(sa.inspect(self.engine).get_table_names())
        cursor = self.connection.cursor()
        if self.kind == "PostgreSQL":
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '256MB'")
        else:
            cursor.execute("SET unique_checks = 0, foreign_key_checks = 0")
        cursor.close()

    def create(self, tables: Sequence[sa.Table]) -> None:
        clash = sorted(t.name for t in tables if t.name in self.existing)
        if clash and not self.replace:
            raise TargetUnreachable(
                f"{self.label} already has tables named {', '.join(clash)}; "
                "use --force to replace them, or point at an empty database"
            )
        quote = self.dialect.identifier_preparer.quote
        with self.connection.cursor() as cursor:
            for table in tables:
                if table.name in self.existing:
                    cursor.execute(f"DROP TABLE {quote(table.name)}")
                self.created.append(table)
                cursor.execute(_ddl(CreateTable(table), self.dialect))
                if self.kind == "PostgreSQL":
                    cursor.execute(_ddl(SetTableComment(table), self.dialect))
                    for column in table.columns:
                        if column.comment:
                            cursor.execute(_ddl(SetColumnComment(column), self.dialect))

    def write(self, table: sa.Table, rows: Sequence[Row]) -> None:
        name, columns = _names(table, self.dialect)
        with self.connection.cursor() as cursor:
            if self.kind == "PostgreSQL":
                with cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
            else:
                head = f"INSERT INTO {name} ({columns}) VALUES "
                for start in range(0, len(rows), _BATCH):
                    cursor.execute(head + _values(rows[start : start + _BATCH]))
                # InnoDB slows down as one transaction's undo log grows to millions of rows,
                # and MariaDB commits DDL implicitly anyway: all-or-nothing comes from abort()
                # dropping the tables, not from one transaction.
                self.connection.commit()

    def indexes(self) -> list[tuple[str, Callable[[], None]]]:
        def run(sql: str) -> None:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)

        return _index_steps(self.created, self.dialect, run)

    def commit(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        self.raw.close()
        self.engine.dispose()

    def abort(self) -> None:
        """Roll back, and drop the tables this sink made even if they were committed: a
        later step (another server, the folder) may have failed."""
        try:
            self.connection.rollback()
            with self.connection.cursor() as cursor:
                for table in reversed(self.created):
                    quoted = self.dialect.identifier_preparer.quote(table.name)
                    cursor.execute(f"DROP TABLE IF EXISTS {quoted}")
            self.connection.commit()
        finally:
            self.raw.close()
            self.engine.dispose()


#: Rows per multi-row INSERT: about 1 MB of SQL, well under MariaDB's 16 MB packet limit.
_BATCH = 5_000
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "'": "\\'", "\0": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"}
)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).translate(_ESCAPES) + "'"


def _values(rows: Sequence[Row]) -> str:
    """Rows as the VALUES list of one INSERT. Built here rather than by PyMySQL's
    ``executemany``, which escapes every value through several Python calls and was measured
    spending three times longer on it than MariaDB spent inserting."""
    return ",".join("(" + ",".join(map(_literal, row)) + ")" for row in rows)


def _normalise(url: str) -> sa.URL:
    """The URL with the driver Pledge ships with (psycopg 3, PyMySQL) filled in."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise TargetUnreachable(f"'{url}' is not a database URL") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend in ("mysql", "mariadb"):
        return parsed.set(drivername=f"{backend}+pymysql")
    raise TargetUnreachable(
        f"'{parsed.render_as_string(hide_password=True)}' is neither PostgreSQL nor MariaDB"
    )
