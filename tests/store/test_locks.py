"""Store locks: one holder at a time on every engine; a dead holder's lock is taken over once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pledge.store import locks
from pledge.store.tables import utc_now


def test_one_holder_at_a_time_and_release_frees_it(engine: sa.Engine) -> None:
    first = locks.acquire(engine, "retention", holder="a@host", purpose="run 1")
    with pytest.raises(locks.Busy) as busy:
        locks.acquire(engine, "retention", holder="b@host", purpose="run 2")
    assert (busy.value.held.holder, busy.value.held.purpose) == ("a@host", "run 1")
    assert busy.value.held.taken_at == first.taken_at.replace(
        microsecond=busy.value.held.taken_at.microsecond
    )
    other = locks.acquire(engine, "erasure:abc", holder="b@host", purpose="request 9")
    locks.release(engine, first)
    second = locks.acquire(engine, "retention", holder="b@host", purpose="run 2")
    assert locks.read(engine, "retention") is not None
    locks.release(engine, second)
    locks.release(engine, other)
    assert locks.read(engine, "retention") is None


def test_a_stale_lock_is_taken_over_by_exactly_one_of_many(engine: sa.Engine) -> None:
    dead = locks.acquire(engine, "retention", holder="dead@host", purpose="run 1")
    with engine.begin() as connection:  # its process died an hour ago
        connection.execute(locks.LOCKS.update().values(heartbeat_at=utc_now() - timedelta(hours=1)))
    won: list[locks.Held] = []
    refused: list[str] = []
    start = threading.Barrier(6)

    def take(n: int) -> None:
        start.wait()
        try:
            won.append(locks.acquire(engine, "retention", holder=f"t{n}", purpose=f"run {n}"))
        except locks.Busy as exc:
            refused.append(exc.held.holder)

    takers = [threading.Thread(target=take, args=(n,)) for n in range(6)]
    for taker in takers:
        taker.start()
    for taker in takers:
        taker.join()
    (winner,) = won
    assert winner.took_over is not None and winner.took_over.token == dead.token
    assert refused == [winner.holder] * 5
    # The dead holder, were it only slow, learns it at its next beat.
    with pytest.raises(locks.LockLost), engine.begin() as connection:
        locks.beat(connection, dead)


def test_a_live_holder_keeps_its_lock_and_a_lost_one_is_told(engine: sa.Engine) -> None:
    held = locks.acquire(engine, "retention", holder="a@host", purpose="run 1")
    with locks.Heartbeat(engine, held, every=timedelta(milliseconds=50)) as heartbeat:
        time.sleep(0.3 if engine.dialect.name != "mysql" else 1.5)
        # Beating keeps it fresh: a taker with a generous stale limit is refused.
        with pytest.raises(locks.Busy):
            locks.acquire(engine, "retention", holder="b@host", purpose="run 2")
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE store_lock SET token = 'stolen'"))
        time.sleep(0.3)
        with pytest.raises(locks.LockLost):
            heartbeat.check()
