"""The run record: a killed run shows as interrupted; a run's counts and audit events."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge.retention import history
from pledge.retention.sweep import Outcome
from pledge.rules.retention import steps
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from tests.retention import world

ZERO = timedelta(0)


def test_a_run_left_running_is_marked_interrupted_by_the_next(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(settings)
    store = make_engine(settings)
    killed = history.begin(store, actor="cron@host")
    killed.heartbeat.close()  # the process dies: no more heartbeats, no finish
    with pytest.raises(history.AlreadyRunning, match=f"run {killed.id} started at"):
        history.begin(store, actor="cron@host")
    time.sleep(0.01)
    second = history.begin(store, actor="cron@host", only_rule="cdr-12-months", stale_after=ZERO)
    (step,) = steps(world.declaration("sqlite:///x"), world.NOW, only="cdr-12-months")
    with second:
        record = second.finish([Outcome(step, changed=26, batches=3, complete=True)])
    assert (record.status, record.changed, record.only_rule) == ("complete", 26, "cdr-12-months")
    newest, oldest = history.recent(store)
    assert (newest.id, oldest.id, oldest.status) == (second.id, killed.id, "interrupted")
    with store.connect() as connection:
        events = connection.execute(
            sa.text("SELECT subject, details FROM audit_event WHERE action = 'retention.run'")
        ).all()
    store.dispose()
    assert len(events) == 1 and events[0].subject == "cdr-12-months"
    assert '"changed": 26' in events[0].details


def test_a_failed_step_makes_the_run_incomplete(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(settings)
    store = make_engine(settings)
    done, failed = steps(world.declaration("sqlite:///x"), world.NOW)[:2]
    with history.begin(store, actor="me") as run:
        record = run.finish(
            [Outcome(done, complete=True), Outcome(failed, error="connection lost")]
        )
    store.dispose()
    assert record.status == "incomplete"
    assert [s["error"] for s in record.steps] == [None, "connection lost"]
