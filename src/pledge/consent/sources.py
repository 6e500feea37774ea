"""The store's facts copied into DuckDB for screening: only what one campaign needs.

Screening joins the audience against three tables (see :mod:`pledge.consent.screen`). They are
copied here from the store in batches: the consent states for the campaign's purpose and
channel (and their ``*`` rows), the active suppression entries, and for phone campaigns the
register numbers. Nothing is written back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import duckdb
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pledge.consent.ledger import ALL
from pledge.consent.screen import Campaign, key_sql
from pledge.store.consent_tables import ConsentStateRow, RegisterNumberRow, SuppressionRow

#: Rows per batch copied from the store into DuckDB.
BATCH = 200_000

SCHEMA = {
    "consent_state": "identity_key UHUGEINT, purpose VARCHAR, channel VARCHAR, stream VARCHAR, "
    "status VARCHAR, basis VARCHAR, soft_opt_in_valid BOOLEAN, last_event_id BIGINT",
    "suppression": "identity_key UHUGEINT, reason VARCHAR",
    "register_number": "register VARCHAR, number BIGINT",
}
#: How each copied column becomes the screening column (hashes to keys, E.164 to digits).
CONVERT = {
    "consent_state": {0: key_sql("{}")},
    "suppression": {0: key_sql("{}")},
    "register_number": {1: "substr({}, 2)::BIGINT"},
}


def create_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """The empty tables screening reads (the benchmark fills them itself)."""
    for name, columns in SCHEMA.items():
        connection.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")


def copy_from_store(
    store: Connection,
    connection: duckdb.DuckDBPyConnection,
    campaign: Campaign,
    progress: Callable[[int], None] = lambda _rows: None,
    registers: Sequence[str] = ("tps", "ctps"),
) -> dict[str, int]:
    """Fill the screening tables from the store for ``campaign``; rows copied per table."""
    create_tables(connection)
    state = ConsentStateRow
    states = sa.select(
        state.identity_hash,
        state.purpose,
        state.channel,
        state.stream,
        state.status,
        state.basis,
        state.soft_opt_in_valid,
        state.last_event_id,
    ).where(state.purpose.in_((campaign.purpose, ALL)), state.channel.in_((campaign.channel, ALL)))
    if campaign.stream is not None:
        states = states.where(state.stream.in_((campaign.stream, ALL)))
    queries: dict[str, sa.Executable] = {
        "consent_state": states,
        "suppression": sa.select(SuppressionRow.identity_hash, SuppressionRow.reason).where(
            SuppressionRow.lifted_at.is_(None)
        ),
    }
    if campaign.channel == "phone":
        queries["register_number"] = sa.select(
            RegisterNumberRow.register, RegisterNumberRow.number
        ).where(RegisterNumberRow.register.in_(registers))
    copied = {}
    for table, query in queries.items():
        copied[table] = 0
        for rows in _batches(store, query):
            _insert(connection, table, rows)
            copied[table] += len(rows)
            progress(len(rows))
    return copied


def _batches(store: Connection, query: sa.Executable) -> Iterator[Sequence[sa.Row[Any]]]:
    # A server-side cursor on PostgreSQL: a ten-million-row table is not read into memory.
    result = store.execution_options(stream_results=True, yield_per=BATCH).execute(query)
    yield from result.partitions(BATCH)


def _insert(connection: duckdb.DuckDBPyConnection, table: str, rows: Sequence[sa.Row[Any]]) -> None:
    columns = list(zip(*rows, strict=True))
    # One statement per batch: DuckDB unnests the column lists, far faster than executemany.
    convert = CONVERT[table]
    unnested = ", ".join(
        convert.get(n, "{}").format(f"unnest(${n + 1})") for n in range(len(columns))
    )
    connection.execute(f"INSERT INTO {table} SELECT {unnested}", [list(c) for c in columns])
