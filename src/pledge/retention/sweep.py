"""Carry out one retention step on a real database, a bounded batch per transaction.

Each batch commits on its own, so a crash or a lost connection loses at most the batch in
flight, which rolls back. Nothing remembers where a sweep stopped: the next run re-tests
eligibility and finds exactly what is left, so a resumed run ends where an uninterrupted one
would have, and a second run finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from pledge.retention import sql
from pledge.retention.parquet import ParquetArchive
from pledge.retention.sql import Target, Unsweepable
from pledge.rules.retention import ARCHIVED_AT, Step

#: Rows per transaction: big enough to amortise a round trip, small enough that locks and
#: undo stay short and a crash repeats little.
DEFAULT_BATCH_SIZE = 10_000
SQLITE_MAX_BATCH = 30_000


@dataclass
class Outcome:
    """What a step did: rows changed, batches committed, whether it reached the end."""

    step: Step
    changed: int = 0
    batches: int = 0
    complete: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Preview:
    """A dry run of one step: what it would change now and what holds keep back."""

    step: Step
    eligible: int
    held_back: int
    oldest: Any


#: Where an archive step puts rows: a table (with its engine) or a Parquet file.
Archive = tuple[Engine, Target] | ParquetArchive
#: Called after each committed batch with the rows it changed.
OnBatch = Callable[[int], None]


def target(
    engine: Engine | Connection, step: Step, declared_key: str | None = None, check: bool = True
) -> Target:
    """Reflect the step's table and choose how batches walk it; refuse what cannot be swept."""
    try:
        table = sa.Table(step.dataset, sa.MetaData(), autoload_with=engine)
        indexes = sa.inspect(engine).get_indexes(step.dataset)
    except sa.exc.NoSuchTableError:
        raise Unsweepable(f"{step.where} does not exist in its database") from None
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise Unsweepable(f"cannot read {step.where}: {reason}") from None
    keys = [column.name for column in table.primary_key.columns]
    if len(keys) != 1 and declared_key is not None and declared_key in table.c:
        keys = [declared_key]
    if len(keys) != 1:
        raise Unsweepable(
            f"{step.where} has no single-column primary key, which batched sweeps need "
            "(declare one with primary_key: true)"
        )
    leads = any(index["column_names"][:1] == [step.column] for index in indexes)
    found = Target(table, keys[0], "column" if leads else "key", engine.dialect.name)
    if check:
        sql.check_types(step, found)
    return found


def preview(engine: Engine, step: Step, found: Target) -> Preview:
    """Count what the step would change, without changing anything."""
    with engine.connect() as connection:
        eligible, held, oldest = connection.execute(sql.summary(step, found)).one()
    if step.blocked:
        # A dataset hold keeps every expired row, so all of them are held back.
        return Preview(step, 0, eligible + held, oldest)
    return Preview(step, eligible, held, oldest)


def run(
    engine: Engine,
    step: Step,
    found: Target,
    *,
    archive: Archive | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: OnBatch | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Sweep ``step`` to the end; a failure is recorded in the outcome, never half-applied."""
    outcome = Outcome(step)
    if step.blocked:
        outcome.complete = True
        return outcome
    after: sql.Position | None = None
    if found.dialect == "sqlite":
        # An archive batch names its keys, one SQL variable each; SQLite allows 32,766.
        batch_size = min(batch_size, SQLITE_MAX_BATCH)
    # Archived rows are stamped with the run's moment, so their archive clock is the run's.
    stamp = now or datetime.now(UTC)
    try:
        while True:
            with engine.begin() as connection:
                upto = connection.execute(sql.boundary(step, found, after, batch_size)).first()
                end = None if upto is None else (upto[0], upto[1])
                where = sql.batch(step, found, after, end)
                changed = _apply(connection, step, found, where, archive, stamp)
            if end is not None or changed:
                outcome.changed += changed
                outcome.batches += 1
                if on_batch is not None:
                    on_batch(changed)
            if end is None:
                break
            after = end
    except (sa.exc.SQLAlchemyError, Unsweepable) as exc:
        outcome.error = str(exc).splitlines()[0]
        return outcome
    outcome.complete = True
    return outcome


def _apply(
    connection: Connection,
    step: Step,
    found: Target,
    where: ColumnElement[bool],
    archive: Archive | None,
    stamp: datetime,
) -> int:
    if step.action == "delete":
        return connection.execute(sql.delete_batch(found, where)).rowcount
    if step.action == "anonymise":
        return connection.execute(sql.anonymise_batch(step, found, where)).rowcount
    if archive is None:
        raise Unsweepable(f"rule '{step.rule}' archives but no archive destination was given")
    return _archive(connection, step, found, where, archive, stamp)


def _archive(
    connection: Connection,
    step: Step,
    found: Target,
    where: ColumnElement[bool],
    archive: Archive,
    stamp: datetime,
) -> int:
    if isinstance(archive, ParquetArchive):
        columns = [c.name for c in found.table.columns]
    else:
        columns = [c.name for c in found.table.columns if c.name in archive[1].table.c]
    query = sql.read_batch(found, where, columns)
    rows = [dict(row._mapping) for row in connection.execute(query)]
    if not rows:
        return 0
    moved = [row[found.key] for row in rows]
    if isinstance(archive, ParquetArchive):
        # The file is replaced atomically before the delete commits; verified like a table.
        archive.add(found.table, rows, found.key, stamp)
        _verify(step, moved, archive.keys(found.key, moved))
    else:
        _to_table(connection, step, found, rows, archive, stamp)
    # By key, not by range: a row that arrived in the range after the read was not copied.
    deleted = found.table.delete().where(found.among(moved), sql.eligible(step, found))
    return connection.execute(deleted).rowcount


def _to_table(
    connection: Connection,
    step: Step,
    found: Target,
    rows: list[dict[str, Any]],
    archive: tuple[Engine, Target],
    stamp: datetime,
) -> None:
    archive_engine, destination = archive
    if ARCHIVED_AT in destination.table.c and ARCHIVED_AT not in found.table.c:
        stamp_value = sql.bind_moment(stamp, destination.table.c[ARCHIVED_AT])
        for row in rows:
            row[ARCHIVED_AT] = stamp_value
    if archive_engine.url == connection.engine.url:
        # Same database: copy and delete in one transaction, so a row is in exactly one place.
        _copy(connection, destination, rows, found.key)
        return
    # Another database: commit the copy, verify it, and only then delete the originals.
    # A crash between the two leaves a duplicate that the next run skips, never a loss.
    with archive_engine.begin() as other:
        _copy(other, destination, rows, found.key)
    moved = [row[found.key] for row in rows]
    with archive_engine.connect() as other:
        _verify(step, moved, {row[0] for row in other.execute(sql.present(destination, moved))})


def _verify(step: Step, moved: Sequence[Any], there: set[Any]) -> None:
    missing = [key for key in moved if key not in there]
    if missing:
        raise Unsweepable(
            f"archive copy of {step.where} to {step.archive_to} is missing {len(missing)} "
            "row(s) after it was written; nothing was deleted"
        )


def _copy(
    connection: Connection, destination: Target, rows: list[dict[str, Any]], key: str
) -> None:
    keys = [row[key] for row in rows]
    there = {row[0] for row in connection.execute(sql.present(destination, keys))}
    fresh = [row for row in rows if row[key] not in there]
    if fresh:
        connection.execute(destination.table.insert(), fresh)
