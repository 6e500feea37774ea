"""Hash chains over the ledgers and the audit log: every entry linked to the one before it.

An entry's hash is SHA-256 over the previous hash and a canonical serialisation of all the
entry's columns, read from the table as it is, so a column another migration adds later is
covered without changing this module. Columns holding NULL are left out of the serialisation:
a nullable column added later leaves older entries' hashes as they were.

Appends are linked in the transaction that makes them (a flush hook on every session), under a
lock on the chain's head row: ``SELECT ... FOR UPDATE`` on PostgreSQL and MariaDB; on SQLite
the flush's INSERT already holds the database's single writer lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, UOWTransaction

from pledge.store.tables import Base

#: Each chained table and what it is called in messages.
CHAINED = {
    "audit_event": "the audit log",
    "consent_event": "the consent ledger",
    "suppression": "the suppression list",
    "suppression_lift": "the suppression list's lifts",
    "erasure_ledger": "the erasure ledger",
    "restriction": "the restriction register",
    "restriction_lift": "the restriction register's lifts",
}
#: The previous hash of a chain's first entry.
GENESIS = "0" * 64
_BATCH = 1000


class ChainBroken(Exception):
    """A chain cannot be appended to (its head row is missing)."""


@dataclass(frozen=True)
class Head:
    """Where one chain ends: how many entries, the last entry's id, and its hash."""

    table: str
    entries: int
    last_id: int | None
    row_hash: str

    def line(self) -> str:
        """The head as one line of a heads file."""
        return f"{self.table}\t{self.entries}\t{self.last_id or '-'}\t{self.row_hash}"


@dataclass(frozen=True)
class Fault:
    """The first entry of a chain that does not hold, and what is wrong with it."""

    table: str
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.table} id {self.entry_id}" if self.entry_id is not None else self.table
        return f"{where}: {self.problem}"


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash is made from: its non-NULL columns as sorted, compact JSON.

    >>> canonical({"id": 1, "actor": "dpo", "subject": None})
    b'{"actor":"dpo","id":1}'
    """
    present = {name: _plain(value) for name, value in row.items() if value is not None}
    return json.dumps(present, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous hash and the entry's canonical bytes."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(row)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # Engines differ in whether they keep the offset; the moment in UTC is what counts.
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _table(name: str, present: Iterable[str] | None = None) -> sa.Table:
    """The model's table, narrowed to the columns the store has when ``present`` is given."""
    table = Base.metadata.tables[name]
    if present is None:
        return table
    names = set(present)
    columns = (sa.Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns)
    return sa.Table(name, sa.MetaData(), *(c for c in columns if c.name in names))


def _rows(connection: Connection, table: sa.Table, ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        query = sa.select(table).where(table.c.id.in_(chunk))
        for row in connection.execute(query).mappings():
            found[int(row["id"])] = dict(row)
    return found


def append_links(connection: Connection, name: str, ids: list[int], table: sa.Table) -> Head:
    """Link the entries ``ids`` (new, in this order) onto chain ``name``; returns its new head."""
    heads = Base.metadata.tables["chain_head"]
    row = connection.execute(
        sa.select(heads).where(heads.c.table_name == name).with_for_update()
    ).first()
    if row is None:
        raise ChainBroken(
            f"{CHAINED[name]} has no chain head in the store; run `pledge db upgrade`, then "
            "`pledge audit verify`"
        )
    entries, last_id, previous = int(row.entries), row.last_id, str(row.row_hash)
    links = []
    rows = _rows(connection, table, ids)
    for entry_id in ids:
        own = entry_hash(previous, rows[entry_id])
        entries += 1
        links.append(
            {
                "table_name": name,
                "seq": entries,
                "entry_id": entry_id,
                "prev_hash": previous,
                "row_hash": own,
            }
        )
        previous, last_id = own, entry_id
    if links:
        connection.execute(sa.insert(Base.metadata.tables["chain_link"]), links)
        connection.execute(
            sa.update(heads)
            .where(heads.c.table_name == name)
            .values(entries=entries, last_id=last_id, row_hash=previous)
        )
    return Head(name, entries, last_id, previous)


def _link_flushed(session: Session, _flush: UOWTransaction) -> None:
    new: dict[str, list[int]] = {}
    for obj in session.new:
        table = getattr(type(obj), "__tablename__", None)
        if table in CHAINED:
            new.setdefault(table, []).append(int(obj.id))
    if not new:
        return
    connection = session.connection()
    # A fixed order of head locks: two transactions appending to the same chains cannot
    # each hold the lock the other waits for.
    for name in sorted(new):
        append_links(connection, name, sorted(new[name]), Base.metadata.tables[name])


sa.event.listen(Session, "after_flush", _link_flushed)


def start_chains(connection: Connection) -> None:
    """Give every chained table a head, linking the entries it already holds in id order.

    Run once, by the migration that brought chains in; later entries are linked as they are
    appended. Never run it to "repair" a chain: that would bless whatever was changed. A table
    chained later must have its head made by the migration that creates it.
    """
    heads = Base.metadata.tables["chain_head"]
    inspector = sa.inspect(connection)
    for name in CHAINED:
        if not inspector.has_table(name):
            continue
        present = [c["name"] for c in inspector.get_columns(name)]
        connection.execute(
            sa.insert(heads).values(table_name=name, entries=0, last_id=None, row_hash=GENESIS)
        )
        table = _table(name, present)
        ids = [int(i) for i in connection.scalars(sa.select(table.c.id).order_by(table.c.id))]
        append_links(connection, name, ids, table)


def heads(connection: Connection) -> list[Head]:
    """The store's record of where each chain ends, in a fixed order."""
    table = Base.metadata.tables["chain_head"]
    found = {
        row.table_name: Head(row.table_name, int(row.entries), row.last_id, row.row_hash)
        for row in connection.execute(sa.select(table))
    }
    return [found.get(name, Head(name, 0, None, GENESIS)) for name in CHAINED]


def verify(connection: Connection, against: Mapping[str, Head] | None = None) -> list[Fault]:
    """Walk every chain from its start; the first fault of each chain that does not hold.

    ``against`` holds heads recorded earlier (``pledge audit head``): each chain must still pass
    through them, so nothing up to them changed even if the store's own head was rewritten.
    """
    faults = []
    recorded = heads(connection)
    for head in recorded:
        fault = _verify_chain(connection, head, (against or {}).get(head.table))
        if fault is not None:
            faults.append(fault)
    return faults


def _links(connection: Connection, name: str) -> Iterator[list[Any]]:
    link = Base.metadata.tables["chain_link"]
    seen = 0
    while True:
        batch = connection.execute(
            sa.select(link.c.seq, link.c.entry_id, link.c.prev_hash, link.c.row_hash)
            .where(link.c.table_name == name, link.c.seq > seen)
            .order_by(link.c.seq)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        yield list(batch)
        seen = int(batch[-1].seq)


def _verify_chain(connection: Connection, head: Head, earlier: Head | None) -> Fault | None:
    name = head.table
    present = [c["name"] for c in sa.inspect(connection).get_columns(name)]
    table = _table(name, present)
    previous, count, last_id = GENESIS, 0, None
    passed_earlier = earlier is None or earlier.entries == 0
    for batch in _links(connection, name):
        rows = _rows(connection, table, [int(b.entry_id) for b in batch])
        for seq, entry_id, prev_hash, row_hash in batch:
            if seq != count + 1:
                return Fault(name, entry_id, f"link {count + 1} of the chain is missing")
            if prev_hash != previous:
                return Fault(name, entry_id, "entry is out of order (its previous hash differs)")
            row = rows.get(entry_id)
            if row is None:
                return Fault(name, entry_id, "entry was deleted")
            if entry_hash(previous, row) != row_hash:
                return Fault(name, entry_id, "entry was changed since it was written")
            previous, count, last_id = row_hash, count + 1, entry_id
            if earlier is not None and count == earlier.entries:
                if (last_id, previous) != (earlier.last_id, earlier.row_hash):
                    return Fault(
                        name,
                        entry_id,
                        f"the chain no longer passes through the recorded head (entry "
                        f"{earlier.entries}, id {earlier.last_id}): something before it changed",
                    )
                passed_earlier = True
    link = Base.metadata.tables["chain_link"]
    unlinked = connection.execute(
        sa.select(sa.func.min(table.c.id)).where(
            ~sa.exists().where(link.c.table_name == name, link.c.entry_id == table.c.id)
        )
    ).scalar()
    if unlinked is not None:
        return Fault(name, int(unlinked), "entry was inserted outside the chain")
    if (count, last_id, previous) != (head.entries, head.last_id, head.row_hash):
        return Fault(
            name,
            last_id,
            f"the chain ends after {count} entries but its head says {head.entries} (last id "
            f"{head.last_id}): entries at the end were removed or the head was changed",
        )
    if not passed_earlier and earlier is not None:
        return Fault(
            name,
            last_id,
            f"the chain has {count} entries, fewer than the {earlier.entries} recorded earlier",
        )
    return None
