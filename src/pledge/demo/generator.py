"""Make the estate's rows chunk by chunk, in the order the tables depend on each other."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from pledge.demo import bills, company, customers, facilities, staff, traffic
from pledge.demo.rows import Chunk, Clock, Plan


def make_chunk(plan: Plan, clock: Clock, index: int) -> Chunk:
    """Every table's rows for chunk ``index``."""
    chunk = Chunk(index, plan, clock)
    customers.make(chunk)
    staff.make_staff(chunk)
    bills.make(chunk)
    traffic.make(chunk)
    company.make(chunk)
    facilities.make(chunk)
    return chunk


def chunks(plan: Plan, clock: Clock | None = None) -> Iterator[Chunk]:
    """Every chunk in order."""
    clock = clock or Clock(plan.as_of)
    for index in range(plan.chunks):
        yield make_chunk(plan, clock, index)


def chunks_ahead(plan: Plan, clock: Clock | None = None, depth: int = 2) -> Iterator[Chunk]:
    """Every chunk in order, made on a background thread up to ``depth`` chunks ahead.

    Worth it when the consumer mostly waits for a database server (COPY, INSERT round trips)
    with the GIL released: the next chunk is made meanwhile. Not for SQLite, whose
    ``executemany`` takes the GIL back for every row and would stall behind this thread.
    """
    ready: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Chunk | BaseException | None) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for chunk in chunks(plan, clock):
                put(chunk)
            put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)

    thread = threading.Thread(target=produce, name="northwold-rows", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
