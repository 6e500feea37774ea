"""The record of sweeps in Pledge's store: one row per run, kept true batch by batch.

A run takes the store's "retention" lock (:mod:`pledge.store.locks`) before it starts, so
two runs never sweep at once: the second is refused with the first's number, start and
actor. The run's row is written as "running" before the first batch, and after every batch
the company database commits, the batch's real count goes into the row and into one
``retention.batch`` audit event, in one store transaction. A run killed outright therefore
still says what it committed; its lock stops beating and, once stale, the next run takes it
over and marks the dead run "interrupted". At the end, one ``retention.run`` event per rule.

What cannot be exact: a kill between a batch's commit on the company database and the
store's commit of its record loses that one batch's count (at most ``batch_size`` rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pledge.retention.sweep import OnBatch, Outcome
from pledge.rules.retention import Step
from pledge.store import audit, locks, session_factory
from pledge.store.retention_tables import RetentionRunRow
from pledge.store.tables import utc_now

#: The store lock every retention run holds while it sweeps.
LOCK = "retention"


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
    heartbeat_at: datetime | None = None


class AlreadyRunning(Exception):
    """Another retention run holds the lock and is alive."""

    def __init__(self, held: locks.Held, stale_after: timedelta) -> None:
        minutes = max(int(stale_after.total_seconds() // 60), 1)
        super().__init__(
            f"a retention run is already in progress: {held.purpose} started at "
            f"{held.taken_at:%Y-%m-%d %H:%M:%S} UTC by {held.holder} (last heartbeat "
            f"{held.heartbeat_at:%H:%M:%S} UTC); wait for it to finish. A run killed outright "
            f"is taken over once it has shown no heartbeat for {minutes} minute(s)"
        )
        self.held = held


class Run:
    """A run in progress: its row, its lock and heartbeat, and what each step did so far.

    Use as a context manager: leaving it without :meth:`finish` (an error, Ctrl-C) records
    the run as interrupted with the counts of its committed batches, and releases the lock.
    """

    def __init__(
        self, engine: Engine, run_id: int, actor: str, held: locks.Held, beat_every: timedelta
    ) -> None:
        self.engine, self.id, self.actor, self.held = engine, run_id, actor, held
        self.heartbeat = locks.Heartbeat(engine, held, beat_every, also=self._alive)
        self.progress: list[dict[str, Any]] = []
        self.finished: RunRecord | None = None

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.heartbeat.close()
        if self.finished is None:
            self._close("interrupted", self.progress)

    def _alive(self, connection: Connection) -> None:
        connection.execute(
            sa.update(RetentionRunRow)
            .where(RetentionRunRow.id == self.id)
            .values(heartbeat_at=utc_now())
        )

    def step(self, step: Step) -> OnBatch:
        """The callback that records each committed batch of ``step``."""
        entry = _entry(step)
        self.progress.append(entry)

        def on_batch(changed: int) -> None:
            entry["changed"] += changed
            entry["batches"] += 1
            self._record(step, entry, changed)

        return on_batch

    def finish(self, outcomes: Sequence[Outcome]) -> RunRecord:
        """Close the run with its final counts and write one audit event per rule."""
        self.heartbeat.close()
        steps = [_step(outcome) for outcome in outcomes]
        complete = all(outcome.complete for outcome in outcomes)
        return self._close("complete" if complete else "incomplete", steps)

    def _record(self, step: Step, entry: dict[str, Any], changed: int) -> None:
        lost: locks.LockLost | None = None
        total = sum(part["changed"] for part in self.progress)
        with session_factory(self.engine).begin() as session:
            session.execute(
                sa.update(RetentionRunRow)
                .where(RetentionRunRow.id == self.id)
                .values(
                    changed=total,
                    steps=[dict(part) for part in self.progress],
                    heartbeat_at=utc_now(),
                )
            )
            audit(
                session,
                actor=self.actor,
                action="retention.batch",
                subject=step.rule,
                details={
                    "run": self.id,
                    "rule": step.rule,
                    "phase": step.phase,
                    "dataset": step.where,
                    "action": step.action,
                    "batch": entry["batches"],
                    "changed": changed,
                },
            )
            try:
                locks.beat(session.connection(), self.held)
            except locks.LockLost as exc:
                lost = exc  # the batch happened all the same: record it, then stop
        if lost is not None:
            raise lost
        self.heartbeat.check()

    def _close(self, status: str, steps: list[dict[str, Any]]) -> RunRecord:
        with session_factory(self.engine).begin() as session:
            row = session.get_one(RetentionRunRow, self.id)
            if row.status == "interrupted" and status != "interrupted":
                # Taken over while it worked (its heartbeat went stale): it stays interrupted.
                status = "interrupted"
            row.finished_at = utc_now()
            row.status = status
            row.changed = sum(step["changed"] for step in steps)
            row.steps = steps
            by_rule: dict[str, list[dict[str, Any]]] = {}
            for step in steps:
                by_rule.setdefault(step["rule"], []).append(step)
            for rule, parts in by_rule.items():
                audit(
                    session,
                    actor=self.actor,
                    action="retention.run",
                    subject=rule,
                    details={"run": self.id, "status": status, "steps": parts},
                )
            self.finished = _record(row)
        locks.release(self.engine, self.held)
        return self.finished


def begin(
    engine: Engine,
    *,
    actor: str,
    only_rule: str | None = None,
    stale_after: timedelta = locks.STALE_AFTER,
    beat_every: timedelta = locks.BEAT_EVERY,
) -> Run:
    """Take the retention lock and record a run as started; AlreadyRunning when a live run
    holds the lock. Runs still "running" once we hold it are dead, and are marked so."""
    try:
        held = locks.acquire(
            engine, LOCK, holder=actor, purpose="a run starting", stale_after=stale_after
        )
    except locks.Busy as busy:
        raise AlreadyRunning(busy.held, stale_after) from None
    try:
        with session_factory(engine).begin() as session:
            session.execute(
                sa.update(RetentionRunRow)
                .where(RetentionRunRow.status == "running")
                .values(status="interrupted")
            )
            row = RetentionRunRow(
                status="running",
                actor=actor,
                only_rule=only_rule,
                steps=[],
                heartbeat_at=utc_now(),
            )
            session.add(row)
            session.flush()
            locks.beat(session.connection(), held, purpose=f"run {row.id}")
            dead = held.took_over
            if dead is not None:
                audit(
                    session,
                    actor=actor,
                    action="retention.lock_taken_over",
                    subject=LOCK,
                    details={
                        "run": row.id,
                        "from": dead.purpose,
                        "holder": dead.holder,
                        "last_heartbeat": dead.heartbeat_at.isoformat(),
                    },
                )
            run_id = row.id
    except BaseException:
        locks.release(engine, held)
        raise
    run = Run(engine, run_id, actor, held, beat_every)
    run.heartbeat.start()
    return run


def recent(engine: Engine, limit: int = 20) -> list[RunRecord]:
    """The latest runs, newest first."""
    query = sa.select(RetentionRunRow).order_by(RetentionRunRow.id.desc()).limit(limit)
    with session_factory(engine)() as session:
        return [_record(row) for row in session.scalars(query)]


def _entry(step: Step) -> dict[str, Any]:
    return {
        "rule": step.rule,
        "phase": step.phase,
        "dataset": step.where,
        "action": step.action,
        "changed": 0,
        "batches": 0,
        "complete": False,
        "error": None,
        "files_removed": 0,
        "held": [hold.id for hold in (*step.dataset_holds, *step.subject_holds)],
    }


def _step(outcome: Outcome) -> dict[str, Any]:
    entry = _entry(outcome.step)
    entry.update(
        changed=outcome.changed,
        batches=outcome.batches,
        complete=outcome.complete,
        error=outcome.error,
        files_removed=outcome.files_removed,
    )
    return entry


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
        heartbeat_at=row.heartbeat_at,
    )
