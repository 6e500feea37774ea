"""Locks in the store, so two requests for the same person run one after the other.

A lock is named by a keyed hash (of an identity), never by the identity itself. Each engine
uses a lock its server drops when the holder dies, so a process killed mid-request never
leaves a person locked:

- PostgreSQL: session advisory locks (``pg_advisory_lock``) on a connection held open;
- MariaDB/MySQL: named locks (``GET_LOCK``) on a connection held open;
- SQLite: ``flock`` on one of 256 lock files beside the store file (a hash's first byte
  picks the file, so two people rarely share one; when they do they only wait for each
  other). An in-memory store has one process, so a lock per name in that process.

Names are always taken in sorted order, which keeps two holders of overlapping sets from
waiting for each other forever.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

#: How long a request waits for another request for the same person, by default.
WAIT_SECONDS = 600.0
_POLL = 0.05
_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


class LockTimeout(Exception):
    """Another request for the same person held on for longer than the wait allowed."""


class SubjectLocks:
    """Locks held for one request; release them all with :meth:`release` (or ``with``)."""

    def __init__(self, engine: Engine, *, wait: float = WAIT_SECONDS) -> None:
        self.engine = engine
        self.wait = wait
        self.held: list[str] = []
        self._backend = engine.url.get_backend_name()
        self._connection: Connection | None = None
        self._files: dict[str, IO[bytes]] = {}
        #: Bucket → the names held through its file.
        self._users: dict[str, set[str]] = {}
        self._local: list[threading.Lock] = []

    def __enter__(self) -> SubjectLocks:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self, names: Iterable[str]) -> None:
        """Take every lock in ``names`` not held yet, in order, waiting for each."""
        for name in sorted(set(names) - set(self.held)):
            if not self._take(name, blocking=True):
                self.release()
                raise LockTimeout(
                    f"another request for the same person has been running for more than "
                    f"{self.wait:.0f} s; try again when it has finished"
                )
            self.held.append(name)

    def try_acquire(self, names: Iterable[str]) -> bool:
        """Take every lock in ``names`` at once without waiting; False (holding none of
        them) when any is held elsewhere."""
        taken: list[str] = []
        try:
            for name in sorted(set(names) - set(self.held)):
                if not self._take(name, blocking=False):
                    for other in reversed(taken):
                        self._give(other)
                    taken = []
                    return False
                taken.append(name)
        finally:
            self.held.extend(taken)  # on an error, release() gives them back
        return True

    def release(self) -> None:
        """Give back every lock held; never raises (it runs while another error may be
        on its way out). On a server, a connection whose locks could not all be given back
        is thrown away rather than returned to the pool, so no lock outlives the request."""
        failed = False
        for name in reversed(self.held):
            try:
                self._give(name)
            except Exception:  # a lost connection: its session's locks die with it
                failed = True
        self.held = []
        for handle in self._files.values():
            handle.close()  # closing the file gives up its flock
        self._files = {}
        self._users = {}
        if self._connection is not None:
            if failed:
                self._connection.invalidate()
            else:
                self._connection.close()
            self._connection = None

    # -- per engine ----------------------------------------------------------------------

    def _conn(self) -> Connection:
        if self._connection is None:
            # Autocommit: the locks belong to the session, not to a transaction.
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def _take(self, name: str, *, blocking: bool) -> bool:
        deadline = time.monotonic() + (self.wait if blocking else 0.0)
        if self._backend == "postgresql":
            key = int(name[:15], 16)
            while True:
                got = self._conn().execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
                if got.scalar():
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL)
        if self._backend in ("mysql", "mariadb"):
            timeout = max(0, int(deadline - time.monotonic() + 0.999)) if blocking else 0
            got = self._conn().execute(
                sa.text("SELECT GET_LOCK(:n, :t)"), {"n": _server_name(name), "t": timeout}
            )
            return bool(got.scalar())
        folder = _lock_folder(self.engine)
        if folder is None:
            lock = _local_lock(name)
            mine = lock.acquire(timeout=self.wait) if blocking else lock.acquire(blocking=False)
            if mine:
                self._local.append(lock)
                return True
            return False
        return self._flock(folder, name, deadline)

    def _flock(self, folder: Path, name: str, deadline: float) -> bool:
        bucket = name[:2]
        if bucket in self._files:  # another name in the same file: already ours
            self._users[bucket].add(name)
            return True
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = open(folder / f"{bucket}.lock", "ab")  # noqa: SIM115 - held until release
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(_POLL)
                continue
            self._files[bucket] = handle
            self._users[bucket] = {name}
            return True

    def _give(self, name: str) -> None:
        if self._backend == "postgresql":
            self._conn().execute(
                sa.text("SELECT pg_advisory_unlock(:k)"), {"k": int(name[:15], 16)}
            )
        elif self._backend in ("mysql", "mariadb"):
            self._conn().execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": _server_name(name)})
        elif self._local:
            self._local.pop().release()
        else:
            users = self._users.get(name[:2], set())
            users.discard(name)
            if users:
                return  # another name held here shares the file
            handle = self._files.pop(name[:2], None)
            if handle is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                handle.close()


def _server_name(name: str) -> str:
    # MariaDB's lock names are at most 64 characters.
    return f"pledge:{name[:48]}"


def _lock_folder(engine: Engine) -> Path | None:
    """The folder of lock files beside a SQLite store file; None for an in-memory store."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(os.path.abspath(database + ".locks"))


def _local_lock(name: str) -> threading.Lock:
    with _LOCAL_GUARD:
        return _LOCAL.setdefault(name, threading.Lock())
