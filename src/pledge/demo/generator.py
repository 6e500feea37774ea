"""Make the estate's rows chunk by chunk, in the order the tables depend on each other."""

from __future__ import annotations

from collections.abc import Iterator

from pledge.demo import bills, company, customers, staff, traffic
from pledge.demo.rows import Chunk, Clock, Plan


def make_chunk(plan: Plan, clock: Clock, index: int) -> Chunk:
    """Every table's rows for chunk ``index``."""
    chunk = Chunk(index, plan, clock)
    customers.make(chunk)
    staff.make_staff(chunk)
    bills.make(chunk)
    traffic.make(chunk)
    company.make(chunk)
    return chunk


def chunks(plan: Plan, clock: Clock | None = None) -> Iterator[Chunk]:
    """Every chunk in order."""
    clock = clock or Clock(plan.as_of)
    for index in range(plan.chunks):
        yield make_chunk(plan, clock, index)
