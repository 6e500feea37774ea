"""A run records every committed batch as it goes, and two runs never sweep at once.

The run is the real ``pledge retention run`` in a child process, killed with SIGKILL (or
paused) right after one of its batches: the history and the audit log must then say exactly
what the company database lost. The company database and the store are of the same kind,
on each engine the machine has.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pledge.cli import main
from pledge.retention import history
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.store.tables import utc_now
from tests.retention import world

#: Runs ``pledge`` with a fault after the Nth committed batch: SIGKILL, or a pause until a
#: file appears. The hook wraps the sweep's own per-batch callback, so it fires after
#: everything the run does for that batch.
CHILD = """
import os, signal, sys, time
from pathlib import Path
from pledge.retention import sweep
from pledge.cli import main

fault, after, flag = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
real, done = sweep.run, []

def run(*args, on_batch=None, **kwargs):
    def then(changed):
        if fault == "kill-unrecorded" and len(done) + 1 == after:
            os.kill(os.getpid(), signal.SIGKILL)  # committed on the company side only
        if on_batch is not None:
            on_batch(changed)
        done.append(changed)
        if len(done) == after:
            if fault == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            flag.with_suffix(".paused").touch()
            while not flag.exists():
                time.sleep(0.05)
    return real(*args, on_batch=then, **kwargs)

sweep.run = run
main(sys.argv[4:])
"""
BATCH = 4


@pytest.fixture
def estate(
    source: sa.Engine, source_url: str, fresh_url: Callable[[], str], tmp_path: Path
) -> Iterator[tuple[Path, str]]:
    """A folder with the declaration (company data on ``source``) and a migrated store."""
    source.dispose()  # the child must see committed rows, not our pool's
    store_url = f"sqlite:///{tmp_path / 'store.sqlite'}" if "sqlite" in source_url else fresh_url()
    upgrade(Settings(database_url=store_url))
    (tmp_path / "pledge.yaml").write_text(world.DECLARATION.format(url=source_url))
    yield tmp_path, store_url


def _args(folder: Path) -> list[str]:
    return ["--config", str(folder / "pledge.yaml"), "retention", "run", "--quiet"]


def _child(
    folder: Path, store_url: str, fault: str, after: int, flag: Path
) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", CHILD, fault, str(after), str(flag), *_args(folder)]
    argv += ["--batch-size", str(BATCH)]
    env = {**os.environ, "PLEDGE_DATABASE_URL": store_url}
    return subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _pledge(folder: Path, store_url: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, [*_args(folder), *extra], env={"PLEDGE_DATABASE_URL": store_url}
    )
    return result.exit_code, result.output


def _cdr_gone(source: sa.Engine) -> int:
    with source.connect() as connection:
        left = connection.execute(sa.select(sa.func.count()).select_from(world.cdr)).scalar_one()
    return world.CALLS - int(left)


def _store(store_url: str) -> sa.Engine:
    return make_engine(Settings(database_url=store_url))


def _batch_events(store: sa.Engine, run: int) -> list[dict[str, Any]]:
    with store.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT details FROM audit_event WHERE action = 'retention.batch' ORDER BY id")
        ).scalars()
        found = [d if isinstance(d, dict) else json.loads(d) for d in rows]
    return [d for d in found if d["run"] == run]


def test_a_killed_run_says_exactly_what_it_committed_and_is_taken_over_once_dead(
    source: sa.Engine, estate: tuple[Path, str]
) -> None:
    folder, store_url = estate
    child = _child(folder, store_url, "kill", 3, folder / "never")
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err
    gone = _cdr_gone(source)
    assert gone == 3 * BATCH  # three batches committed, then the kill

    store = _store(store_url)
    (killed,) = history.recent(store)
    assert (killed.status, killed.changed) == ("running", gone)
    (cdr,) = [s for s in killed.steps if s["rule"] == "cdr-12-months"]
    assert (cdr["changed"], cdr["batches"], cdr["complete"]) == (gone, 3, False)
    events = _batch_events(store, killed.id)
    assert [e["changed"] for e in events] == [BATCH] * 3
    assert [e["batch"] for e in events] == [1, 2, 3]

    shown = CliRunner().invoke(
        main,
        ["--config", str(folder / "pledge.yaml"), "retention", "history"],
        env={"PLEDGE_DATABASE_URL": store_url},
    )
    assert "running, finished not finished (last heartbeat" in shown.output
    assert f"{gone} row(s) changed" in shown.output
    assert f"delete {gone} row(s) in 3 batch(es)" in shown.output
    # Its lock is still fresh: a second run refuses, and leaves the first as it was.
    code, out = _pledge(folder, store_url)
    assert code == 1
    assert f"a retention run is already in progress: run {killed.id} started at" in out
    assert (history.recent(store)[0].id, history.recent(store)[0].status) == (killed.id, "running")
    assert _cdr_gone(source) == gone

    # Once its heartbeat is older than the stale limit, the next run takes over.
    with store.begin() as connection:
        connection.execute(
            sa.text("UPDATE store_lock SET heartbeat_at = :then"),
            {"then": (utc_now() - timedelta(hours=1)).replace(tzinfo=None)},
        )
    code, out = _pledge(folder, store_url)
    assert code == 0, out
    with store.connect() as connection:
        (taken,) = connection.execute(
            sa.text("SELECT details FROM audit_event WHERE action = 'retention.lock_taken_over'")
        ).scalars()
    assert f"run {killed.id}" in str(taken)
    resumed, interrupted = history.recent(store)
    assert interrupted.id == killed.id
    assert (interrupted.status, interrupted.changed) == ("interrupted", gone)
    assert resumed.status == "complete"
    (rest,) = [s for s in resumed.steps if s["rule"] == "cdr-12-months"]
    assert rest["changed"] + gone == _cdr_gone(source)
    store.dispose()


def test_a_second_run_refuses_while_the_first_works_and_the_first_finishes(
    source: sa.Engine, estate: tuple[Path, str]
) -> None:
    folder, store_url = estate
    flag = folder / "go"
    child = _child(folder, store_url, "pause", 1, flag)
    try:
        deadline = time.monotonic() + 120
        while not flag.with_suffix(".paused").exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        code, out = _pledge(folder, store_url)
        assert code == 1
        assert "a retention run is already in progress: run 1 started at" in out
        assert "UTC by " in out
    finally:
        flag.touch()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    store = _store(store_url)
    (only,) = history.recent(store)
    assert (only.id, only.status) == (1, "complete")
    (cdr,) = [s for s in only.steps if s["rule"] == "cdr-12-months"]
    assert cdr["changed"] == _cdr_gone(source)
    assert sum(e["changed"] for e in _batch_events(store, 1) if e["rule"] == "cdr-12-months") == (
        _cdr_gone(source)
    )
    store.dispose()


def test_a_kill_between_a_commit_and_its_record_loses_at_most_that_batch(
    source: sa.Engine, estate: tuple[Path, str]
) -> None:
    """The one window the record cannot close: the documented bound, measured."""
    folder, store_url = estate
    child = _child(folder, store_url, "kill-unrecorded", 3, folder / "never")
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err
    store = _store(store_url)
    (killed,) = history.recent(store)
    assert _cdr_gone(source) == 3 * BATCH
    assert killed.changed == 2 * BATCH  # the third batch committed, its record did not
    assert [e["batch"] for e in _batch_events(store, killed.id)] == [1, 2]
    store.dispose()
