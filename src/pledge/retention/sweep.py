"""Carry out one retention step on a real database, a bounded batch per transaction.

Each batch commits on its own, so a crash or a lost connection loses at most the batch in
flight, which rolls back. Nothing remembers where a sweep stopped: the next run re-tests
eligibility and finds exactly what is left, so a resumed run ends where an uninterrupted one
would have, and a second run finds nothing to do.

When the dataset has fields naming files (``file_root``), a batch reads the paths of the rows
it is about to delete (or whose file field it empties), changes exactly those rows, commits,
and only then unlinks the files it released. A crash between the commit and the unlink leaves
files no row names: ``pledge retention check`` reports them and the next run of a rule that
deletes removes them (:mod:`pledge.retention.orphans`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from pledge import files as stored_files
from pledge.connectors import sql as identities
from pledge.retention import sql
from pledge.retention.parquet import ParquetArchive
from pledge.retention.reflect import reflect
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
    #: Files of changed rows unlinked after their batch committed (and orphans removed).
    files_removed: int = 0
    #: Files that should have gone and did not: refused paths, failed unlinks.
    file_errors: list[str] = field(default_factory=list)


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
#: Fields of the swept table that name files: column to its resolved root folder.
Files = Mapping[str, Path]
#: Whether some row (of any table naming files under that root) still names a file.
Claimed = Callable[[Path], bool]


def target(
    engine: Engine | Connection, step: Step, declared_key: str | None = None, check: bool = True
) -> Target:
    """Reflect the step's table and choose how batches walk it; refuse what cannot be swept."""
    try:
        table, indexes = reflect(engine, step.dataset)
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
    order: sql.Order = "column" if leads else "key"
    found = Target(table, keys[0], order, engine.dialect.name, comparison(engine))
    if check:
        sql.check_types(step, found)
    return found


def comparison(engine: Engine | Connection) -> identities.Dialect | None:
    """How ``engine`` compares identity values: exactly as its connector would.

    SQLite and MySQL/MariaDB are asked the connectors' question (which lower() a SQLite has,
    which version a server is). On SQLite, the function that applies ``fold`` itself, for
    emails with many non-ASCII letters, is registered on each connection the sweep uses.
    """
    name = engine.dialect.name
    if name == "sqlite":
        pool = engine
        if isinstance(engine, Connection):
            _register_fold(engine.connection.driver_connection)
            pool = engine.engine
        if not sa.event.contains(pool, "checkout", _register_fold):
            # On checkout, not connect: connections already pooled get it too.
            sa.event.listen(pool, "checkout", _register_fold)
        return identities.sqlite_dialect(str(_ask(engine, identities.SQLITE_LOWER)))
    if name == "mysql":
        return identities.mysql_dialect(str(_ask(engine, identities.MYSQL_VERSION)))
    return sql.COMPARISONS.get(name)


def _register_fold(connection: Any, *_: Any) -> None:
    connection.create_function(
        identities.FOLD_FUNCTION, 1, identities.fold_value, deterministic=True
    )


def _ask(engine: Engine | Connection, question: str) -> Any:
    if isinstance(engine, Connection):
        return engine.exec_driver_sql(question).scalar()
    with engine.connect() as connection:
        return connection.exec_driver_sql(question).scalar()


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
    files: Files | None = None,
    claimed: Claimed | None = None,
) -> Outcome:
    """Sweep ``step`` to the end; a failure is recorded in the outcome, never half-applied.

    ``files`` are the table's file fields; the step releases those it deletes or empties.
    ``claimed`` tells whether a row still names a file a released link points to.
    """
    outcome = Outcome(step)
    releasing = released_by(step, files or {})
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
                if releasing:
                    changed, released = _apply_releasing(connection, step, found, where, releasing)
                else:
                    changed, released = _apply(connection, step, found, where, archive, stamp), []
            unlink(released, outcome, claimed)
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
    settle(outcome)
    return outcome


def released_by(step: Step, files: Files) -> dict[str, Path]:
    """The file fields whose files ``step`` releases: all when it deletes rows, the emptied
    ones when it anonymises; none when it archives (the copy still names the file)."""
    if step.action == "delete":
        return dict(files)
    if step.action == "anonymise":
        return {name: root for name, root in files.items() if name in step.fields}
    return {}


def unlink(
    released: Sequence[tuple[Path, Any]], outcome: Outcome, claimed: Claimed | None = None
) -> None:
    """Remove released files (root, stored path); a file already gone is fine.

    A stored path that is a symbolic link is never followed: a link out of the root, or to a
    file some row still names (``claimed``; every link is refused when it is not given), is
    left alone and reported. Otherwise only the link is unlinked. Its target goes only when
    a row of this same batch names it directly; a target no row names is left in place and
    reported, so the step is not complete (once nothing names it, it is an orphan, which
    ``retention check`` lists and a later deleting run removes after the grace).
    """
    entries: list[tuple[Any, stored_files.Entry]] = []
    for root, value in released:
        try:
            entries.append((value, stored_files.entry(root, value)))
        except stored_files.OutsideRoot as exc:
            outcome.file_errors.append(f"refused {exc}")
    going = {found.path for _, found in entries if found.target is None}
    for value, found in entries:
        target = found.target
        left_target = target is not None and target not in going
        if target is not None and left_target and (claimed is None or claimed(target)):
            outcome.file_errors.append(
                f"refused '{value}' is a link to {target}, a file another row names (or that "
                "could not be checked); neither was removed"
            )
            continue
        try:
            if stored_files.remove(found.path):
                outcome.files_removed += 1
        except OSError as exc:
            outcome.file_errors.append(f"cannot remove {value}: {exc.strerror or exc}")
            continue
        if left_target:
            outcome.file_errors.append(
                f"'{value}' was a link: removed; its target {target} was left in place, "
                "since Pledge never deletes through a link (no row names it: remove it, or "
                "let a later run remove it as an orphan)"
            )


def settle(outcome: Outcome) -> None:
    """Complete, unless some file that should have gone is still there."""
    if outcome.file_errors and outcome.error is None:
        count = len(outcome.file_errors)
        outcome.error = f"{count} file(s) not removed: {outcome.file_errors[0]}"
    outcome.complete = outcome.error is None


def _apply_releasing(
    connection: Connection,
    step: Step,
    found: Target,
    where: ColumnElement[bool],
    files: Mapping[str, Path],
) -> tuple[int, list[tuple[Path, Any]]]:
    """Change the batch's rows by key, and say which files no row names any more.

    The paths are read first and the change names exactly the keys read, so a row arriving
    in the range meanwhile is left for the next batch, never changed with its file unknown;
    reading the keys again afterwards tells which rows really went (or were emptied).
    """
    names = sorted(files)
    columns = [found.table.c[name] for name in names]
    before = connection.execute(sa.select(found.pk, *columns).where(where)).all()
    if not before:
        return 0, []
    keys = [row[0] for row in before]
    chosen = sa.and_(where, found.among(keys))
    if step.action == "delete":
        changed = connection.execute(sql.delete_batch(found, chosen)).rowcount
    else:
        changed = connection.execute(sql.anonymise_batch(step, found, chosen)).rowcount
    query = sa.select(found.pk, *columns).where(found.among(keys))
    after = {row[0]: tuple(row[1:]) for row in connection.execute(query)}
    released: list[tuple[Path, Any]] = []
    for row in before:
        now_held = after.get(row[0])
        for index, name in enumerate(names):
            value = row[index + 1]
            if value is not None and (now_held is None or now_held[index] != value):
                released.append((files[name], value))
    return changed, released


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
