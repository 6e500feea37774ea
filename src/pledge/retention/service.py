"""Plan and run retention over a declaration: the functions the CLI, API and jobs share.

The caller passes a ``connect`` function (system name to engine), the holds in force, "now"
and the declaration's folder (Parquet archives are relative to it); nothing here reads
settings or the store, so the same code serves a dry run, a scheduled run and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pledge import files
from pledge.declaration import Declaration
from pledge.retention import orphans, sweep
from pledge.retention.parquet import ParquetArchive
from pledge.retention.sql import Target, Unsweepable
from pledge.retention.sweep import DEFAULT_BATCH_SIZE, Archive, OnBatch, Outcome, Preview
from pledge.rules.retention import PARQUET, Hold, Step, steps

#: Turns a system name from the declaration into an engine for its database.
Connect = Callable[[str], Engine]


@dataclass(frozen=True)
class Prepared:
    """A step bound to where it works: a table (and its archive), or a Parquet archive file."""

    step: Step
    engine: Engine | None = None
    target: Target | None = None
    archive: Archive | None = None
    parquet: ParquetArchive | None = None
    #: The table's file fields (column to resolved root).
    files: dict[str, Path] = field(default_factory=dict)

    def preview(self, step: Step | None = None) -> Preview:
        """What the step (or a variant of it, e.g. an earlier cut-off) would change now."""
        step = step or self.step
        if self.parquet is not None:
            eligible, held, oldest = self.parquet.summary(step)
            if step.blocked:
                return Preview(step, 0, eligible + held, oldest)
            return Preview(step, eligible, held, oldest)
        assert self.engine is not None and self.target is not None
        return sweep.preview(self.engine, step, self.target)

    def run(
        self,
        now: datetime,
        batch_size: int,
        on_batch: OnBatch | None,
        claimed: sweep.Claimed | None = None,
    ) -> Outcome:
        """Carry the step out to the end (or to its first failure)."""
        if self.parquet is not None:
            if self.step.blocked:
                return Outcome(self.step, complete=True)
            # One atomic file rewrite: the whole step is a single batch.
            removed = self.parquet.expire(self.step)
            if on_batch is not None:
                on_batch(removed)
            return Outcome(self.step, changed=removed, batches=1, complete=True)
        assert self.engine is not None and self.target is not None
        return sweep.run(
            self.engine,
            self.step,
            self.target,
            archive=self.archive,
            batch_size=batch_size,
            on_batch=on_batch,
            now=now,
            files=self.files,
            claimed=claimed,
        )

    def overdue(self, before: datetime) -> int:
        """Rows still eligible though older than ``before`` (the cut-off less a grace)."""
        return self.preview(replace(self.step, cutoff=before)).eligible


@dataclass(frozen=True)
class Planned:
    """One line of a dry run: the preview, or why the step cannot run."""

    step: Step
    preview: Preview | None = None
    problem: str | None = None


def prepare(declaration: Declaration, step: Step, connect: Connect, folder: Path) -> Prepared:
    """Bind the step to its table, archive or file; refuse missing or mistyped columns by name."""
    if step.in_parquet:
        if step.action != "delete":
            raise Unsweepable(
                f"rule '{step.rule}': a Parquet archive is deleted when its period ends; "
                "anonymising it is not supported (use then: delete)"
            )
        return Prepared(step, parquet=ParquetArchive.at(step.system, step.dataset, folder))
    engine = connect(step.system)
    found = sweep.target(engine, step, _declared_key(declaration, step.where))
    archive: Archive | None = None
    if step.action == "archive":
        archive = _archive(declaration, step, found, connect, folder)
    return Prepared(step, engine, found, archive, files=_files(declaration, step, found, folder))


def plan(
    declaration: Declaration,
    connect: Connect,
    now: datetime,
    holds: Iterable[Hold] = (),
    only: str | None = None,
    *,
    folder: Path = Path(),
) -> list[Planned]:
    """A dry run: per step, rows eligible now, rows held back, the oldest. Changes nothing."""
    lines = []
    for step in steps(declaration, now, holds, only):
        try:
            preview = prepare(declaration, step, connect, folder).preview()
        except (Unsweepable, SQLAlchemyError) as exc:
            lines.append(Planned(step, problem=reason(exc)))
            continue
        lines.append(Planned(step, preview=preview))
    return lines


def run(
    declaration: Declaration,
    connect: Connect,
    now: datetime,
    holds: Iterable[Hold] = (),
    only: str | None = None,
    *,
    folder: Path = Path(),
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_step: Callable[[Step, int], OnBatch | None] | None = None,
) -> list[Outcome]:
    """Sweep every step (or rule ``only``), in declaration order; one step's failure is
    recorded and the others still run."""
    outcomes = []
    for step in steps(declaration, now, holds, only):
        on_batch = None
        try:
            ready = prepare(declaration, step, connect, folder)
            if on_step is not None:
                on_batch = on_step(step, ready.preview().eligible)
        except (Unsweepable, SQLAlchemyError) as exc:
            outcomes.append(Outcome(step, error=reason(exc)))
            continue
        outcome = ready.run(now, batch_size, on_batch, _claimed(declaration, connect, folder))
        if step.action == "delete" and ready.files and outcome.complete:
            _remove_orphans(declaration, step, connect, folder, now, outcome)
        outcomes.append(outcome)
    return outcomes


def _files(declaration: Declaration, step: Step, found: Target, folder: Path) -> dict[str, Path]:
    """The step's table's file fields, resolved; a declared file column must exist."""
    declared = declaration.dataset(step.where)
    if declared is None:
        return {}
    out = {}
    for name, root in files.file_fields(declared[2]).items():
        if name not in found.table.c:
            raise Unsweepable(f"{step.where} has no column '{name}' (it is declared to name files)")
        out[name] = files.root_of(root, folder)
    return out


def _claimed(declaration: Declaration, connect: Connect, folder: Path) -> sweep.Claimed:
    """Whether a row of any field whose root holds ``path`` names it, read when asked (only
    for a released link, which is rare); a root whose tables cannot be read claims it."""

    def claimed(path: Path) -> bool:
        for root in orphans.roots(declaration, folder):
            if not path.is_relative_to(root.path):
                continue
            try:
                if path in orphans.named(root, connect):
                    return True
            except (SQLAlchemyError, OSError):
                return True
        return False

    return claimed


def _remove_orphans(
    declaration: Declaration,
    step: Step,
    connect: Connect,
    folder: Path,
    now: datetime,
    outcome: Outcome,
) -> None:
    """After a deleting step: files under its roots that no row names (a crash between a
    batch's commit and its unlinks leaves them) go too, past their grace."""
    for root in orphans.roots_of(declaration, folder, step.where):
        try:
            lost = orphans.orphans(root, connect, folder)
        except (SQLAlchemyError, OSError, orphans.UnsafeRoot) as exc:
            outcome.file_errors.append(f"orphans under {root.path} not looked for: {reason(exc)}")
            continue
        removed, problems = orphans.remove(lost, now)
        outcome.files_removed += removed
        outcome.file_errors += problems
    sweep.settle(outcome)


def reason(exc: Exception) -> str:
    """The first line of an error, the driver's own words for a database error."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _archive(
    declaration: Declaration, step: Step, found: Target, connect: Connect, folder: Path
) -> Archive:
    destination = step.archive_to or ""
    if destination.startswith(PARQUET):
        return ParquetArchive.at(destination, step.dataset, folder)
    archive_system, _, archive_dataset = destination.partition(".")
    archive_engine = connect(archive_system)
    # The archive's columns are checked by its own expiry step, not against this rule.
    as_archive = replace(step, system=archive_system, dataset=archive_dataset, fields=(), held=())
    key = _declared_key(declaration, destination)
    table = sweep.target(archive_engine, as_archive, key, check=False)
    if found.key not in table.table.c:
        raise Unsweepable(
            f"archive {destination} has no column '{found.key}', the key of {step.where}, "
            "so copies cannot be verified"
        )
    return (archive_engine, table)


def _declared_key(declaration: Declaration, dotted: str) -> str | None:
    found = declaration.dataset(dotted)
    if found is None:
        return None
    keys = [name for name, spec in found[2].fields.items() if spec.primary_key]
    return keys[0] if len(keys) == 1 else None
