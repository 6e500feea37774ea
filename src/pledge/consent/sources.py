"""The store's facts in DuckDB for screening, kept up to date rather than copied each time.

Screening joins the audience against three DuckDB tables (see :mod:`pledge.consent.screen`).
Copying them from the store row by row through Python costs about 170 s for ten million consent
states and twenty million register numbers, twenty times the screen itself, so ``pledge screen``
keeps them in a DuckDB file (the screening cache) and :func:`refresh` brings it up to date:

- consent states changed since the last refresh (``last_event_id`` above the highest seen: every
  change to a state gives it a new, higher event id; the column is indexed);
- suppression entries added since (``id`` above the highest seen), and entries lifted since;
- the registers, copied again whole after any register load.

Before copying, the newest row the cache saw of each table (the consent event, suppression
entry and register load its high-water mark names) is read again from the store: a store
restored from a backup or recreated at the same URL hands out those ids again to other rows,
and the cache is started again. After copying, each table is checked against the store
(consent: row count and the sum of ``last_event_id``, which grows with every change;
suppression: count and sum of ids of active entries; registers: the count). A table that
does not agree (another store URL, a write committed out of id order) is rebuilt from
scratch, and if it still does not agree the refresh fails: a screen never runs on facts that
differ from the store's. The cache holds what the store holds (keyed hashes, register
numbers), nothing more.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pledge.consent.ledger import latest_events
from pledge.consent.screen import key_sql
from pledge.store.consent_tables import (
    ConsentEventRow,
    ConsentStateRow,
    RegisterLoadRow,
    RegisterNumberRow,
    SuppressionRow,
    suppression_in_force,
)

#: Rows per batch copied from the store into DuckDB.
BATCH = 200_000

SCHEMA = {
    "consent_state": "identity_key UHUGEINT, purpose VARCHAR, channel VARCHAR, stream VARCHAR, "
    "status VARCHAR, basis VARCHAR, soft_opt_in_valid BOOLEAN, last_event_id BIGINT",
    "suppression": "identity_key UHUGEINT, reason VARCHAR, id BIGINT",
    "register_number": "register VARCHAR, number BIGINT",
}
#: How each copied column becomes the screening column (hashes to keys, E.164 to digits; the
#: CSV copy writes a missing basis as an empty text, which the rules read the same way).
CONVERT = {
    "consent_state": {0: key_sql("{}"), 5: "nullif({}, '')"},
    "suppression": {0: key_sql("{}")},
    "register_number": {1: "substr({}, 2)::BIGINT"},
}
#: What the cache has seen of the store: the store's URL and a high-water mark per table.
META = "screening_cache"
Progress = Callable[[int], None]


class CacheDiffers(Exception):
    """The screening cache still differs from the store after a rebuild; the message says how."""


@dataclass
class Refreshed:
    """What a refresh did: rows copied per table, and the tables rebuilt from scratch."""

    copied: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)


def create_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """The tables screening reads, empty if they are not there yet."""
    for name, columns in SCHEMA.items():
        connection.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {META} (name VARCHAR PRIMARY KEY, value VARCHAR)"
    )


def refresh(
    store: Connection,
    connection: duckdb.DuckDBPyConnection,
    *,
    rebuild: bool = False,
    progress: Progress = lambda _rows: None,
) -> Refreshed:
    """Bring the screening tables in ``connection`` up to date with ``store``."""
    create_tables(connection)
    done = Refreshed()
    url = store.engine.url.render_as_string(hide_password=True)
    if rebuild or _get(connection, "store") != url:
        # Another store (or none yet): nothing here can be trusted to be a subset of it.
        for table in SCHEMA:
            _clear(connection, table)
        _put(connection, "store", url)
    for table, sync in (
        ("consent_state", _sync_consent),
        ("suppression", _sync_suppression),
        ("register_number", _sync_registers),
    ):
        # One transaction per table: a refresh cut short leaves the table as it was.
        connection.begin()
        try:
            seen = _get(connection, f"{table}.anchor") or "none"
            if seen != _anchor(store, connection, table):
                # The row the cache saw last is gone or another: a restored store.
                done.rebuilt.append(table)
                _clear(connection, table)
            done.copied[table] = sync(store, connection, progress)
            if not _agrees(store, connection, table):
                # A write committed after a later one was seen, a restored store: start again.
                if table not in done.rebuilt:
                    done.rebuilt.append(table)
                _clear(connection, table)
                done.copied[table] += sync(store, connection, progress)
                if not _agrees(store, connection, table):
                    raise CacheDiffers(
                        f"the screening cache's {table} still differs from the store after "
                        "copying it again; the store is probably being written to heavily: "
                        "screen again later"
                    )
            _put(connection, f"{table}.anchor", _anchor(store, connection, table))
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
    return done


def _sync_consent(store: Connection, connection: duckdb.DuckDBPyConnection, p: Progress) -> int:
    seen = int(_get(connection, "consent_state") or -1)
    # From the ledger itself, not the consent_state rows derived from it: a state row edited
    # outside Pledge ("granted" after a withdrawal) is never screened on. An edit that moves a
    # row's event makes the store and the cache disagree (_agrees), which refuses loudly.
    changed = latest_events(seen, with_time=False)
    copied = _copy(store, connection, changed, "consent_state", "_changed", p)
    if copied:
        same = " AND ".join(
            f"consent_state.{c} = c.{c}" for c in ("identity_key", "purpose", "channel", "stream")
        )
        connection.execute(f"DELETE FROM consent_state USING _changed c WHERE {same}")
        connection.execute("INSERT INTO consent_state SELECT * FROM _changed")
        top = connection.execute("SELECT max(last_event_id) FROM _changed").fetchone()
        _put(connection, "consent_state", str(max(seen, int(top[0]) if top else seen)))
    connection.execute("DROP TABLE _changed")
    return copied


def _sync_suppression(store: Connection, connection: duckdb.DuckDBPyConnection, p: Progress) -> int:
    seen = int(_get(connection, "suppression") or -1)
    row = SuppressionRow
    # A lift is an entry of its own naming the row; lifted entries are few (re-subscriptions).
    lifted = store.execute(
        sa.select(row.id).where(row.id <= seen, ~suppression_in_force())
    ).scalars()
    ids = list(lifted)
    if ids:
        connection.execute("DELETE FROM suppression WHERE id IN (SELECT unnest($1))", [ids])
    added = sa.select(row.identity_hash, row.reason, row.id).where(
        row.id > seen, suppression_in_force()
    )
    copied = _copy(store, connection, added, "suppression", "_added", p)
    top = connection.execute("SELECT max(id) FROM _added").fetchone()
    connection.execute("INSERT INTO suppression SELECT * FROM _added; DROP TABLE _added")
    if top is not None and top[0] is not None:
        _put(connection, "suppression", str(max(seen, int(top[0]))))
    return copied


def _sync_registers(store: Connection, connection: duckdb.DuckDBPyConnection, p: Progress) -> int:
    loads = str(store.execute(sa.select(sa.func.max(RegisterLoadRow.id))).scalar())
    if _get(connection, "register_number") == loads:
        return 0
    _clear(connection, "register_number")
    numbers = sa.select(RegisterNumberRow.register, RegisterNumberRow.number)
    copied = _copy(store, connection, numbers, "register_number", "_numbers", p)
    connection.execute("INSERT INTO register_number SELECT * FROM _numbers; DROP TABLE _numbers")
    _put(connection, "register_number", loads)
    return copied


def _anchor(store: Connection, connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """The store's row at the cache's high-water mark for ``table``, as text to compare."""
    mark = _get(connection, table)
    if mark is None or not mark.isdigit():
        return "none"
    columns: tuple[Any, ...]
    if table == "consent_state":
        event = ConsentEventRow
        columns = (event.id, event.at, event.identity_hash, event.action)
    elif table == "suppression":
        entry = SuppressionRow
        columns = (entry.id, entry.at, entry.identity_hash, entry.reason)
    else:
        load = RegisterLoadRow
        columns = (load.id, load.loaded_at, load.register, load.kind, load.file_name)
    query = sa.select(*columns).where(columns[0] == int(mark))
    row = store.execute(query).first()
    return "missing" if row is None else repr(tuple(row))


def _agrees(store: Connection, connection: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the cached table and the store's hold the same rows (by count and checksum)."""
    if table == "register_number":
        # Only a register load writes the register, and each is seen by its id; the count
        # (which SQLite reads from the table's pages without visiting rows) catches the rest.
        theirs = store.execute(sa.select(sa.func.count()).select_from(RegisterNumberRow)).scalar()
        ours = connection.execute("SELECT count(*) FROM register_number").fetchone()
        return ours is not None and int(ours[0]) == int(theirs or 0)
    if table == "consent_state":
        column = ConsentStateRow.last_event_id
        query = sa.select(sa.func.count(), sa.func.sum(column))
        mine = "SELECT count(*), sum(last_event_id) FROM consent_state"
    else:
        active = suppression_in_force()
        query = sa.select(sa.func.count(), sa.func.sum(SuppressionRow.id)).where(active)
        mine = "SELECT count(*), sum(id) FROM suppression"
    count, total = store.execute(query).one()
    found = connection.execute(mine).fetchone()
    return found is not None and (int(found[0]), int(found[1] or 0)) == (
        int(count),
        int(total or 0),
    )


def _copy(
    store: Connection,
    connection: duckdb.DuckDBPyConnection,
    query: sa.Executable,
    like: str,
    into: str,
    progress: Progress,
) -> int:
    """Copy ``query``'s rows into a new temporary table ``into`` shaped like ``like``.

    Each batch goes through a CSV file: Python's ``csv`` writer and DuckDB's reader, both in
    C, move rows five times faster than handing DuckDB Python lists to unnest.
    """
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {into} ({SCHEMA[like]})")
    width = len(SCHEMA[like].split(", "))
    convert = CONVERT[like]
    columns = ", ".join(convert.get(n, "{}").format(f"c{n}") for n in range(width))
    spec = ", ".join(f"'c{n}': 'VARCHAR'" for n in range(width))
    copied = 0
    with tempfile.TemporaryDirectory(prefix="pledge-cache-") as folder:
        batch = Path(folder) / "batch.csv"
        # Every field quoted and read back as written: an empty text stays empty (a stream
        # named "" must still match itself) and a lone carriage return cannot end a line.
        reader = (
            f"read_csv('{str(batch).replace(chr(39), chr(39) * 2)}', header = false, "
            f"columns = {{{spec}}}, auto_detect = false, delim = ',', quote = '\"', "
            "escape = '\"', new_line = '\\n', allow_quoted_nulls = false)"
        )
        for rows in _batches(store, query):
            with batch.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
            connection.execute(f"INSERT INTO {into} SELECT {columns} FROM {reader}")
            copied += len(rows)
            progress(len(rows))
    return copied


def _batches(store: Connection, query: sa.Executable) -> Iterator[Sequence[sa.Row[Any]]]:
    # A server-side cursor on PostgreSQL: a ten-million-row table is not read into memory.
    result = store.execution_options(stream_results=True, yield_per=BATCH).execute(query)
    yield from result.partitions(BATCH)


def _clear(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    connection.execute(f"DELETE FROM {table}")
    connection.execute(f"DELETE FROM {META} WHERE name IN ($1, $1 || '.anchor')", [table])


def _get(connection: duckdb.DuckDBPyConnection, name: str) -> str | None:
    found = connection.execute(f"SELECT value FROM {META} WHERE name = $1", [name]).fetchone()
    return None if found is None else str(found[0])


def _put(connection: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    connection.execute(f"INSERT OR REPLACE INTO {META} VALUES ($1, $2)", [name, value])
