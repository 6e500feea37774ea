"""Plan and run retention over a declaration: the functions the CLI, API and jobs share.

The caller passes a ``connect`` function (system name to engine), the holds in force and
"now"; nothing here reads settings or the store, so the same code serves a dry run, a
scheduled run and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pledge.declaration import Declaration
from pledge.retention import sql, sweep
from pledge.retention.sql import Target, Unsweepable
from pledge.retention.sweep import DEFAULT_BATCH_SIZE, OnBatch, Outcome, Preview
from pledge.rules.retention import Hold, Step, overdue_before, steps, uncovered

#: Turns a system name from the declaration into an engine for its database.
Connect = Callable[[str], Engine]


@dataclass(frozen=True)
class Prepared:
    """A step bound to its database: the table it sweeps and, for archiving, where rows go."""

    step: Step
    engine: Engine
    target: Target
    archive: tuple[Engine, Target] | None = None


@dataclass(frozen=True)
class Planned:
    """One line of a dry run: the preview, or why the step cannot run."""

    step: Step
    preview: Preview | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Finding:
    """One disagreement between the declaration and the data, for ``pledge retention check``."""

    kind: str  # "uncovered", "overdue", "refused"
    where: str
    message: str


def prepare(declaration: Declaration, step: Step, connect: Connect) -> Prepared:
    """Reflect the step's table (and archive); refuse missing or mistyped columns by name."""
    engine = connect(step.system)
    found = sweep.target(engine, step, _declared_key(declaration, step.where))
    archive = None
    if step.action == "archive":
        if step.archive_to is None or step.archive_to.startswith("parquet:"):
            raise Unsweepable(
                f"rule '{step.rule}' archives to {step.archive_to}; Parquet archives are not "
                "supported yet, declare an archive dataset instead"
            )
        archive_system = step.archive_to.partition(".")[0]
        archive_engine = connect(archive_system)
        archive_step = _as_archive(step)
        destination = sweep.target(
            archive_engine, archive_step, _declared_key(declaration, step.archive_to), check=False
        )
        if found.key not in destination.table.c:
            raise Unsweepable(
                f"archive {step.archive_to} has no column '{found.key}', the key of "
                f"{step.where}, so copies cannot be verified"
            )
        archive = (archive_engine, destination)
    return Prepared(step, engine, found, archive)


def plan(
    declaration: Declaration,
    connect: Connect,
    now: datetime,
    holds: Iterable[Hold] = (),
    only: str | None = None,
) -> list[Planned]:
    """A dry run: per step, rows eligible now, rows held back, the oldest. Changes nothing."""
    lines = []
    for step in steps(declaration, now, holds, only):
        try:
            ready = prepare(declaration, step, connect)
            preview = sweep.preview(ready.engine, step, ready.target)
        except (Unsweepable, SQLAlchemyError) as exc:
            lines.append(Planned(step, problem=_reason(exc)))
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
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_step: Callable[[Step, int], OnBatch | None] | None = None,
) -> list[Outcome]:
    """Sweep every step (or rule ``only``), in declaration order; one step's failure is
    recorded and the others still run."""
    outcomes = []
    for step in steps(declaration, now, holds, only):
        on_batch = None
        try:
            ready = prepare(declaration, step, connect)
            if on_step is not None:
                total = sweep.preview(ready.engine, step, ready.target).eligible
                on_batch = on_step(step, total)
        except (Unsweepable, SQLAlchemyError) as exc:
            outcomes.append(Outcome(step, error=_reason(exc)))
            continue
        outcomes.append(
            sweep.run(
                ready.engine,
                step,
                ready.target,
                archive=ready.archive,
                batch_size=batch_size,
                on_batch=on_batch,
                now=now,
            )
        )
    return outcomes


def check(
    declaration: Declaration, connect: Connect, now: datetime, holds: Iterable[Hold] = ()
) -> list[Finding]:
    """Datasets no rule covers, rules the data does not match, and overdue rows."""
    findings = [
        Finding("uncovered", where, f"{where} holds personal data but no retention rule covers it")
        for where in uncovered(declaration)
    ]
    for step in steps(declaration, now, holds):
        try:
            ready = prepare(declaration, step, connect)
            with ready.engine.connect() as connection:
                query = sql.older_than(step, ready.target, overdue_before(step))
                count = connection.execute(query).scalar_one()
        except (Unsweepable, SQLAlchemyError) as exc:
            findings.append(Finding("refused", step.where, f"rule '{step.rule}': {_reason(exc)}"))
            continue
        if count and not step.blocked:
            findings.append(
                Finding(
                    "overdue",
                    step.where,
                    f"rule '{step.rule}': {count} row(s) of {step.where} are older than "
                    f"promised ({step.keep}, by {step.column}); run `pledge retention run`",
                )
            )
    return findings


def _reason(exc: Exception) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _declared_key(declaration: Declaration, dotted: str) -> str | None:
    found = declaration.dataset(dotted)
    if found is None:
        return None
    keys = [name for name, spec in found[2].fields.items() if spec.primary_key]
    return keys[0] if len(keys) == 1 else None


def _as_archive(step: Step) -> Step:
    # The archive's own table, for reflection; its columns are checked by its expiry step.
    system, _, dataset = (step.archive_to or "").partition(".")
    return replace(step, system=system, dataset=dataset, fields=(), held=())
