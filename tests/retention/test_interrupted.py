"""A sweep stopped part-way, by an error or by SIGKILL, ends where an uninterrupted one does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from pledge.retention import service
from tests.retention import world

KILL_AFTER_BATCHES = """
import os, signal, sys
import sqlalchemy as sa
from pledge.retention import service
from tests.retention import world

url = sys.argv[1]
engine = sa.create_engine(url)
done = []

def on_step(step, total):
    def on_batch(changed):
        done.append(changed)
        if len(done) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
    return on_batch

service.run(world.declaration(url), lambda s: engine, world.NOW, batch_size=4, on_step=on_step)
"""


class Crash(Exception):
    """Stands in for the process dying right after a batch committed."""


def _reference(fresh_url: Callable[[], str]) -> dict[str, list[tuple[object, ...]]]:
    """The end state of an uninterrupted run on an identical database."""
    url = fresh_url()
    engine = sa.create_engine(url)
    world.build(engine)
    service.run(world.declaration(url), lambda _: engine, world.NOW, batch_size=4)
    state = world.snapshot(engine)
    engine.dispose()
    return state


def test_crash_after_a_commit_then_resume_ends_as_an_uninterrupted_run(
    source: sa.Engine, source_url: str, fresh_url: Callable[[], str]
) -> None:
    declaration = world.declaration(source_url)

    def on_step(step: Any, total: int) -> Callable[[int], None]:
        def on_batch(changed: int) -> None:
            if step.rule == "applicants":
                raise Crash

        return on_batch

    with pytest.raises(Crash):
        service.run(declaration, lambda _: source, world.NOW, batch_size=4, on_step=on_step)
    assert world.snapshot(source) != _reference(fresh_url)
    outcomes = service.run(declaration, lambda _: source, world.NOW, batch_size=4)
    assert all(o.complete for o in outcomes)
    assert world.snapshot(source) == _reference(fresh_url)


def test_a_batch_that_fails_rolls_back_and_the_next_run_finishes(
    source: sa.Engine, source_url: str, fresh_url: Callable[[], str]
) -> None:
    declaration = world.declaration(source_url)
    deletes: list[str] = []

    @sa.event.listens_for(source, "before_cursor_execute")
    def lose_connection(*args: Any) -> None:
        statement = args[2]
        if statement.startswith("DELETE FROM cdr"):
            deletes.append(statement)
            if len(deletes) == 3:
                raise sa.exc.OperationalError(statement, {}, Exception("server closed connection"))

    outcomes = service.run(declaration, lambda _: source, world.NOW, batch_size=4)
    sa.event.remove(source, "before_cursor_execute", lose_connection)
    (cdr,) = [o for o in outcomes if o.step.rule == "cdr-12-months"]
    assert not cdr.complete and cdr.batches == 2 and cdr.changed == 8
    assert "server closed connection" in (cdr.error or "")
    with source.connect() as connection:
        left = connection.execute(sa.select(sa.func.count()).select_from(world.cdr)).scalar_one()
    assert left == world.CALLS - 8  # the third batch rolled back whole
    service.run(declaration, lambda _: source, world.NOW, batch_size=4)
    assert world.snapshot(source) == _reference(fresh_url)


def test_sigkill_in_the_middle_of_a_run_then_resume(
    source: sa.Engine, source_url: str, fresh_url: Callable[[], str]
) -> None:
    source.dispose()  # the child process must see the committed rows, not our pool
    child = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_BATCHES, source_url],
        cwd=os.getcwd(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    with source.connect() as connection:
        left = connection.execute(sa.select(sa.func.count()).select_from(world.cdr)).scalar_one()
    assert left == world.CALLS - 12  # three batches of four committed, then the kill
    service.run(world.declaration(source_url), lambda _: source, world.NOW, batch_size=4)
    assert world.snapshot(source) == _reference(fresh_url)
