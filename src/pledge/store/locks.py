"""Named locks in Pledge's store, the same on SQLite, PostgreSQL and MariaDB.

A lock is a row of ``store_lock`` keyed by its name. Taking it is one INSERT: the primary
key lets exactly one taker in, on every engine, with no engine-specific locking. The holder
beats a heartbeat while it works (:class:`Heartbeat`); a process killed outright (SIGKILL,
power loss) cannot release its lock, so the rule is:

    a lock whose heartbeat is older than ``stale_after`` belongs to a dead holder, and the
    next taker may take it over.

Taking over is one conditional UPDATE naming the old holder's token and requiring the
heartbeat to still be stale, so of two takers racing for a dead lock exactly one wins, and a
holder that beats again in time keeps its lock. A holder that was only slow, and finds its
lock taken, learns it at its next beat (:class:`LockLost`) and must stop. Heartbeats are
compared with the taker's clock: hosts sharing a store must keep their clocks within
``stale_after`` of each other (NTP does far better).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pledge.store.lock_tables import StoreLockRow
from pledge.store.tables import utc_now

#: A holder that has not beaten for this long is presumed dead.
STALE_AFTER = timedelta(minutes=2)
#: How often a holder beats: several beats fit in STALE_AFTER, so a slow query never looks dead.
BEAT_EVERY = timedelta(seconds=15)

LOCKS: sa.Table = StoreLockRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Held:
    """A lock as its row says: who holds it, for what, since when, last sign of life."""

    name: str
    token: str
    holder: str
    purpose: str
    taken_at: datetime
    heartbeat_at: datetime
    #: The dead holder this one took the lock over from, if any.
    took_over: Held | None = None


class Busy(Exception):
    """The lock is held by a live holder."""

    def __init__(self, held: Held) -> None:
        super().__init__(f"{held.name} is held by {held.holder} ({held.purpose})")
        self.held = held


class LockLost(Exception):
    """The holder's lock was taken over (its heartbeat went stale): it must stop."""


def acquire(
    engine: Engine,
    name: str,
    *,
    holder: str,
    purpose: str,
    stale_after: timedelta = STALE_AFTER,
) -> Held:
    """Take lock ``name``, or take it over from a dead holder; Busy when a live one has it."""
    token = uuid.uuid4().hex
    for _ in range(5):
        now = utc_now()
        mine = Held(name, token, holder, purpose, now, now)
        try:
            with engine.begin() as connection:
                connection.execute(LOCKS.insert().values(**_values(mine)))
            return mine
        except IntegrityError:
            pass
        found = read(engine, name)
        if found is None:
            continue  # released between our insert and our read: try again
        if found.heartbeat_at > now - stale_after:
            raise Busy(found)
        with engine.begin() as connection:
            taken = connection.execute(
                LOCKS.update()
                .where(
                    LOCKS.c.name == name,
                    LOCKS.c.token == found.token,
                    LOCKS.c.heartbeat_at < now - stale_after,
                )
                .values(**_values(mine))
            ).rowcount
        if taken == 1:
            return Held(name, token, holder, purpose, now, now, took_over=found)
    found = read(engine, name)
    if found is None:
        raise SQLAlchemyError(f"lock {name!r} could not be taken: it keeps changing hands")
    raise Busy(found)


def read(engine: Engine, name: str) -> Held | None:
    """The lock's row, or None when nobody holds it."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(LOCKS).where(LOCKS.c.name == name)).first()
    if row is None:
        return None
    return Held(row.name, row.token, row.holder, row.purpose, row.taken_at, row.heartbeat_at)


def beat(connection: Connection, held: Held, *, purpose: str | None = None) -> None:
    """Refresh the heartbeat in the caller's transaction; LockLost when it is no longer ours."""
    values: dict[str, object] = {"heartbeat_at": utc_now()}
    if purpose is not None:
        values["purpose"] = purpose
    changed = connection.execute(
        LOCKS.update().where(LOCKS.c.name == held.name, LOCKS.c.token == held.token).values(values)
    ).rowcount
    if changed != 1:
        raise LockLost(f"lock {held.name!r} was taken over: its heartbeat went stale")


def release(engine: Engine, held: Held) -> None:
    """Give the lock back (only if it is still ours)."""
    with engine.begin() as connection:
        connection.execute(
            LOCKS.delete().where(LOCKS.c.name == held.name, LOCKS.c.token == held.token)
        )


class Heartbeat:
    """Beats ``held`` from a background thread until closed; ``check()`` raises if it was lost.

    A thread rather than a beat per batch: one long batch (a slow delete waiting on locks)
    must not make a live run look dead.
    """

    def __init__(
        self,
        engine: Engine,
        held: Held,
        every: timedelta = BEAT_EVERY,
        also: Callable[[Connection], None] | None = None,
    ) -> None:
        self._engine, self._held, self._every = engine, held, every.total_seconds()
        #: More to refresh in the same transaction as each beat (a run row's heartbeat).
        self._also = also
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {held.name}")
        self._thread.daemon = True

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def start(self) -> None:
        """Begin beating, every ``every``."""
        self._thread.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop beating (the lock itself is released by :func:`release`)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def check(self) -> None:
        """LockLost when a beat found the lock taken over."""
        if self._lost.is_set():
            raise LockLost(f"lock {self._held.name!r} was taken over: its heartbeat went stale")

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                with self._engine.begin() as connection:
                    beat(connection, self._held)
                    if self._also is not None:
                        self._also(connection)
            except LockLost:
                self._lost.set()
                return
            except SQLAlchemyError:
                continue  # a store hiccup: the next beat tries again, well before staleness


def _values(held: Held) -> dict[str, object]:
    return {
        "name": held.name,
        "token": held.token,
        "holder": held.holder,
        "purpose": held.purpose,
        "taken_at": held.taken_at,
        "heartbeat_at": held.heartbeat_at,
    }
