"""The connector protocol: plain values in, plain rows out.

A connector knows one kind of system (SQLite file, PostgreSQL, MySQL/MariaDB, a folder of
Parquet/CSV files read by DuckDB). It never sees declaration or ORM objects: callers hand it
a :class:`Select`, :class:`Update` or :class:`Delete` naming a table, a key column and a batch
of key values, and get dictionaries back.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from pledge.connectors import sql
from pledge.connectors.redaction import redact

Row = dict[str, Any]

#: Rows per batch handed back by :meth:`Connector.read`; memory stays bounded by this.
BATCH = 1000


@dataclass(frozen=True)
class Select:
    """Read ``columns`` of ``table`` where ``key`` is one of ``values``."""

    table: str
    key: str
    values: Sequence[Any]
    columns: Sequence[str] = ()
    #: Compare by ``sql.fold`` (emails are stored as people typed them); otherwise a text key
    #: is compared byte for byte, whatever the column's collation.
    fold_case: bool = False


@dataclass(frozen=True)
class Update:
    """Change the rows of ``table`` where ``key`` is one of ``values``.

    ``set_to`` gives columns a fixed value (None nullifies); ``replace`` maps each old value
    of a column to its new one (keyed hashes computed by the caller).
    """

    table: str
    key: str
    values: Sequence[Any]
    set_to: Mapping[str, Any] = field(default_factory=dict)
    replace: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    fold_case: bool = False


@dataclass(frozen=True)
class Delete:
    """Delete the rows of ``table`` where ``key`` is one of ``values``."""

    table: str
    key: str
    values: Sequence[Any]
    fold_case: bool = False


Write = Update | Delete


class ConnectorError(Exception):
    """A system could not be used; the message names the system and never a password."""

    def __init__(self, system: str, message: str) -> None:
        # Messages quote URLs and drivers' texts: whatever they hold, no password leaves.
        super().__init__(redact(message))
        self.system = system


class ConnectionUnresolved(ConnectorError):
    """The declaration's connection cannot be turned into a URL (unset variable, bad URL)."""


class DriverMissing(ConnectorError):
    """The Python driver for this kind of system is not installed."""


class SystemUnavailable(ConnectorError):
    """The server did not answer, refused the login, or the file is not there."""


class QueryFailed(ConnectorError):
    """A statement failed: usually the declaration no longer matches the database."""


@runtime_checkable
class Connector(Protocol):
    """One open system. Reads stream in batches; writes run in one transaction."""

    system: str
    dialect: sql.Dialect

    def read(self, query: Select, *, batch_size: int = BATCH) -> Generator[list[Row]]:
        """Yield the matching rows in lists of at most ``batch_size``.

        A caller that stops early should ``close()`` the generator: that ends the server-side
        cursor now rather than when the generator is collected.
        """
        ...

    def execute(self, writes: Sequence[Write]) -> list[int]:
        """Apply every write in one transaction (all or nothing); rows affected per write."""
        ...

    def columns(self, table: str) -> dict[str, str]:
        """Column name → type name as the engine reports it; empty when there is no table."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def statements(dialect: sql.Dialect, write: Write, key_type: str) -> list[sql.Statement]:
    """The chunked SQL for one write, its key values coerced to the key column's type."""
    values = sql.coerce(write.values, key_type)
    text = sql.is_text(key_type)
    if isinstance(write, Delete):
        return sql.delete(
            dialect, write.table, write.key, values, fold_case=write.fold_case, text=text
        )
    return sql.update(
        dialect,
        write.table,
        write.key,
        values,
        set_to=write.set_to,
        replace=write.replace,
        fold_case=write.fold_case,
        text=text,
    )


class SQLConnector:
    """What every SQL connector shares; a driver module supplies the four hooks."""

    dialect: sql.Dialect = sql.SQLITE

    def __init__(self, system: str) -> None:
        self.system = system
        self._types: dict[str, dict[str, str]] = {}

    # -- hooks ----------------------------------------------------------------------------
    def _stream(self, statement: sql.Statement, batch_size: int) -> Generator[list[Row]]:
        raise NotImplementedError

    def _transaction(self, batches: list[list[sql.Statement]]) -> list[int]:
        raise NotImplementedError

    def _introspect(self, table: str) -> dict[str, str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- protocol -------------------------------------------------------------------------
    def columns(self, table: str) -> dict[str, str]:
        if table not in self._types:
            self._types[table] = self._introspect(table)
        return dict(self._types[table])

    def read(self, query: Select, *, batch_size: int = BATCH) -> Generator[list[Row]]:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        key_type = self._key_type(query.table, query.key)
        values = sql.coerce(query.values, key_type)
        for column in query.columns:
            self._key_type(query.table, column)  # a missing column is named, not a driver error
        for statement in sql.select(
            self.dialect,
            query.table,
            list(query.columns),
            query.key,
            values,
            fold_case=query.fold_case,
            text=sql.is_text(key_type),
        ):
            yield from self._stream(statement, batch_size)

    def execute(self, writes: Sequence[Write]) -> list[int]:
        batches = [statements(self.dialect, w, self._key_type(w.table, w.key)) for w in writes]
        return self._transaction(batches)

    def _key_type(self, table: str, key: str) -> str:
        """The type of ``table.key``; a clear error when either is not in the database."""
        types = self.columns(table)
        if not types:
            raise QueryFailed(self.system, f"system '{self.system}' has no table '{table}'")
        if key not in types:
            known = ", ".join(sorted(types))
            raise QueryFailed(
                self.system,
                f"system '{self.system}': table '{table}' has no column '{key}' "
                f"(it has: {known}); the declaration no longer matches the database",
            )
        return types[key]

    def _failed(self, exc: Exception, what: str) -> QueryFailed:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return QueryFailed(self.system, f"system '{self.system}': {what} failed: {detail}")

    def __enter__(self) -> SQLConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
