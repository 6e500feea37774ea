"""The record of sweeps in Pledge's store: one row per run, one audit event per rule.

A run is written as "running" before the first batch, so a run killed outright still shows
in ``pledge retention history``; the next run marks it interrupted and finishes its work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.retention.sweep import Outcome
from pledge.store import audit, session_factory
from pledge.store.retention_tables import RetentionRunRow
from pledge.store.tables import utc_now


@dataclass(frozen=True)
class RunRecord:
    """A run as history shows it."""

    id: int
    started_at: Any
    finished_at: Any
    status: str
    actor: str
    only_rule: str | None
    changed: int
    steps: list[dict[str, Any]]


def begin(engine: Engine, *, actor: str, only_rule: str | None = None) -> int:
    """Record a run as started; earlier runs left "running" were killed, and say so."""
    with session_factory(engine).begin() as session:
        session.execute(
            sa.update(RetentionRunRow)
            .where(RetentionRunRow.status == "running")
            .values(status="interrupted")
        )
        row = RetentionRunRow(status="running", actor=actor, only_rule=only_rule, steps=[])
        session.add(row)
        session.flush()
        return row.id


def finish(engine: Engine, run_id: int, outcomes: Sequence[Outcome], *, actor: str) -> RunRecord:
    """Close the run with its counts and write one audit event per rule."""
    steps = [_step(outcome) for outcome in outcomes]
    complete = all(outcome.complete for outcome in outcomes)
    with session_factory(engine).begin() as session:
        row = session.get_one(RetentionRunRow, run_id)
        row.finished_at = utc_now()
        row.status = "complete" if complete else "incomplete"
        row.changed = sum(outcome.changed for outcome in outcomes)
        row.steps = steps
        by_rule: dict[str, list[dict[str, Any]]] = {}
        for step in steps:
            by_rule.setdefault(step["rule"], []).append(step)
        for rule, parts in by_rule.items():
            audit(
                session,
                actor=actor,
                action="retention.run",
                subject=rule,
                details={"run": run_id, "steps": parts},
            )
        return _record(row)


def recent(engine: Engine, limit: int = 20) -> list[RunRecord]:
    """The latest runs, newest first."""
    query = sa.select(RetentionRunRow).order_by(RetentionRunRow.id.desc()).limit(limit)
    with session_factory(engine)() as session:
        return [_record(row) for row in session.scalars(query)]


def _step(outcome: Outcome) -> dict[str, Any]:
    step = outcome.step
    return {
        "rule": step.rule,
        "phase": step.phase,
        "dataset": step.where,
        "action": step.action,
        "changed": outcome.changed,
        "batches": outcome.batches,
        "complete": outcome.complete,
        "error": outcome.error,
        "files_removed": outcome.files_removed,
        "held": [hold.id for hold in (*step.dataset_holds, *step.subject_holds)],
    }


def _record(row: RetentionRunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        actor=row.actor,
        only_rule=row.only_rule,
        changed=row.changed,
        steps=list(row.steps),
    )
