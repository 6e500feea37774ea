"""The network: call detail records and internet sessions, the bulk of the estate.

About a hundred calls per customer over the last two years, so half are past the 12-month
rule. This is the hot loop of generation: a few ``random()`` calls, table look-ups for the
timestamp text and one tuple per call; no datetime objects, no per-row function calls.
"""

from __future__ import annotations

from random import Random

from pledge.demo import identifiers, names
from pledge.demo.rows import CHUNK, TRAFFIC_DAYS, Account, Chunk, Customer, Ids

DAY = 86_400
_CONTACTS = 12


def _contacts(rng: Random, chunk: Chunk) -> list[str]:
    """The numbers a customer calls: mostly other customers' mobiles and landlines."""
    salt, everyone = chunk.plan.seed % 1_000, chunk.plan.customers
    out = []
    for _ in range(_CONTACTS):
        other = int(rng.random() * everyone)
        if rng.random() < 0.6:
            out.append(identifiers.e164(identifiers.mobile(other, salt)))
        else:
            town = names.TOWNS[int(rng.random() * len(names.TOWNS))]
            out.append(identifiers.e164(identifiers.landline(town, other, salt)))
    return out


def _cells(rng: Random, account: Account) -> list[str | None]:
    """Four cells a mobile is usually served by; fixed lines have no cell."""
    if account.product != "mobile":
        return [None] * 4
    area = 1_000 + int(rng.random() * 400)
    return [f"234-31-{area}-{int(rng.random() * 65_536)}" for _ in range(4)]


def calls(chunk: Chunk, rng: Random, customer: Customer, ids: Ids) -> None:
    """The customer's call records, spread over their accounts' active days."""
    clock = chunk.clock
    rand = rng.random
    append = chunk.add("call_record").append
    prefixes, daytime = clock.day_prefixes, clock.daytime
    first_day = clock.now // DAY - TRAFFIC_DAYS
    total = 60 + int(rand() * 101)
    share = total // max(1, len(customer.accounts))
    contacts = _contacts(rng, chunk)
    for account in customer.accounts:
        start = max(account.opened // DAY + 1, first_day)
        end = (account.closed if account.closed is not None else clock.now) // DAY
        span = end - start
        if span < 1:
            continue
        number, calling = account.number, identifiers.e164(account.phone)
        cells = _cells(rng, account)
        first_id = ids.next
        ids.next += share
        for call_id in range(first_id, first_id + share):
            r = rand()
            duration = int(r * r * r * 1_200) + 1
            append((
                call_id, number, calling, contacts[int(rand() * _CONTACTS)],
                prefixes[start + int(rand() * span)] + daytime[int(rand() * DAY)], duration,
                cells[call_id & 3], 0 if duration % 5 else (duration // 60 + 1) * 12,
            ))  # fmt: skip


def sessions(chunk: Chunk, rng: Random, account: Account, ids: Ids) -> None:
    """Broadband sessions, each with the address the line was given."""
    clock = chunk.clock
    rows = chunk.add("internet_session")
    start = max(account.opened, clock.now - TRAFFIC_DAYS * DAY)
    end = account.closed if account.closed is not None else clock.now
    if end - start < DAY:
        return
    starts = sorted(
        start + int(rng.random() * (end - start)) for _ in range(8 + int(rng.random() * 12))
    )
    for began, following in zip(starts, [*starts[1:], None], strict=True):
        ended = began + int((0.05 + rng.random() * 5) * DAY)
        if following is not None:
            ended = min(ended, following - 1)
        stamp_end = None if ended >= clock.now else clock.stamp(ended)
        down = int(rng.random() * 40_000_000_000)
        rows.append((
            ids.take(), account.number, identifiers.customer_ip(rng), clock.stamp(began), stamp_end,
            down, down // (5 + int(rng.random() * 20)),
        ))  # fmt: skip


def make(chunk: Chunk) -> None:
    """Fill the network tables for the chunk's customers."""
    rng = chunk.rng("network")
    call_ids = Ids(chunk.index, 1_000 * CHUNK)
    session_ids = Ids(chunk.index, 50 * CHUNK)
    for customer in chunk.customers:
        calls(chunk, rng, customer, call_ids)
        for account in customer.accounts:
            if account.product != "mobile":
                sessions(chunk, rng, account, session_ids)
