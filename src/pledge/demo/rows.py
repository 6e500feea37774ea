"""Deterministic rows for the whole estate, made one chunk of customers at a time.

A chunk is ``CHUNK`` consecutive customers with everything that hangs off them (accounts,
bills, calls, tickets...), so every table's rows for those customers come out together and
cross-system keys agree without keeping the whole estate in memory. Each chunk and each group
of tables has its own ``random.Random`` seeded from (seed, chunk, group): the same seed gives
the same rows, chunks can be made in any order or in parallel, and changing how one table is
made does not reshuffle the others. Identifiers are either derived from a customer's position
or counted within a per-chunk block, so they never depend on earlier chunks.

Rows are plain tuples in table column order; timestamps are ISO text ("2025-03-01 14:05:09"),
which every engine accepts and which keeps the hot loops free of datetime objects.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

#: Customers per chunk. Changing it changes identifiers, so it is part of what a seed means.
CHUNK = 1_000
#: How far back the company's history goes.
HISTORY_DAYS = 7 * 365 + 2
#: Calls and internet sessions cover the last two years: half are past the 12-month rule.
TRAFFIC_DAYS = 2 * 365

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Plan:
    """What to make: the seed, how many customers, and the day the estate is "now"."""

    seed: int
    customers: int
    as_of: date

    @property
    def chunks(self) -> int:
        return -(-self.customers // CHUNK)

    def chunk_range(self, index: int) -> range:
        """Positions (0-based) of the customers in chunk ``index``."""
        return range(index * CHUNK, min((index + 1) * CHUNK, self.customers))


class Clock:
    """Seconds since the start of the company's history, turned into text cheaply.

    Days and times of day are looked up in tables built once, so a timestamp costs one
    string concatenation in the hot loops.
    """

    def __init__(self, as_of: date) -> None:
        self.start = as_of - timedelta(days=HISTORY_DAYS)
        self.now = HISTORY_DAYS * 86_400  # midnight at the start of as_of
        self.days = [
            (self.start + timedelta(days=d)).isoformat() for d in range(HISTORY_DAYS + 400)
        ]
        self.day_prefixes = [d + " " for d in self.days]
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
        self.daytime = _daytime(self.times)

    def stamp(self, seconds: int) -> str:
        """``seconds`` since the start of history as "YYYY-MM-DD HH:MM:SS"."""
        return self.day_prefixes[seconds // 86_400] + self.times[seconds % 86_400]

    def day(self, seconds: int) -> str:
        """The date part only, "YYYY-MM-DD"."""
        return self.days[seconds // 86_400]

    def years_ago(self, years: float) -> int:
        return self.now - int(years * 365.25 * 86_400)


def _daytime(times: list[str]) -> list[str]:
    """86,400 times of day, repeated in proportion to how busy each hour is, so a uniform
    index gives a realistic time: few calls at night, most between 10:00 and 21:00."""
    weights = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 16, 16, 16, 15, 15, 15, 16, 17, 18, 18, 16, 12]
    weights += [7, 3]  # 22:00 and 23:00
    bounds: list[int] = []
    total = 0
    for weight in weights:
        total += weight
        bounds.append(total)
    out = []
    for i in range(86_400):
        spot = i * total / 86_400
        hour = bisect.bisect_right(bounds, spot)
        into = (spot - (bounds[hour - 1] if hour else 0)) / weights[hour]
        out.append(times[hour * 3600 + int(into * 3600)])
    return out


class Ids:
    """Identifiers for one table within one chunk: a block of ``stride`` numbers per chunk."""

    def __init__(self, chunk: int, stride: int, offset: int = 1) -> None:
        self.next = chunk * stride + offset

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


@dataclass
class Account:
    """What the other tables need to know about an account."""

    number: str
    product: str
    phone: str  # national format
    opened: int  # seconds, see Clock
    closed: int | None
    pays_by: str


@dataclass
class Customer:
    """What the other tables need to know about a customer."""

    id: int
    position: int
    kind: str
    first: str
    last: str
    email: str
    mobile: str | None
    billing_name: str
    address: str
    line2: str | None
    town: str
    postcode: str
    created: int
    accounts: list[Account] = field(default_factory=list)

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in (self.address, self.line2, self.town) if part)


@dataclass
class Chunk:
    """One chunk's rows, by table name, plus what later tables need to know."""

    index: int
    plan: Plan
    clock: Clock
    rows: dict[str, list[Row]] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    employee_ids: list[int] = field(default_factory=list)

    def rng(self, group: str) -> Random:
        """The random stream for one group of tables in this chunk."""
        return Random(f"northwold:{self.plan.seed}:{self.index}:{group}")

    def add(self, table: str) -> list[Row]:
        """The (new) row list for ``table``."""
        return self.rows.setdefault(table, [])
