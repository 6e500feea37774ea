"""Billing: quarterly invoices, the payments against them, saved cards and Direct Debits.

Cards are held as a processor token and the last four digits only. Cards removed more than a
year ago have already been moved to the archive table, as the retention rule says; the more
recent ones are still waiting, so a retention run has work to do.
"""

from __future__ import annotations

from pledge.demo import identifiers
from pledge.demo.rows import CHUNK, Account, Chunk, Customer, Ids

DAY = 86_400
QUARTER = 91 * DAY
_PRICE = {"home-phone-broadband": 10_500, "mobile": 4_500, "business-lines": 24_000}


class _Billing:
    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.clock = chunk.clock
        self.rng = chunk.rng("billing")
        self.invoice_ids = Ids(chunk.index, 100 * CHUNK)
        self.payment_ids = Ids(chunk.index, 100 * CHUNK)
        self.card_ids = Ids(chunk.index, 5 * CHUNK)
        self.invoices = chunk.add("invoice")
        self.payments = chunk.add("payment")
        self.cards = chunk.add("payment_card")
        self.archived = chunk.add("payment_card_archive")
        self.mandates = chunk.add("direct_debit_mandate")

    def account(self, customer: Customer, account: Account) -> None:
        rng, clock = self.rng, self.clock
        sent_to = customer.email if rng.random() < 0.75 else None  # the rest get paper bills
        end = account.closed if account.closed is not None else clock.now
        issued = account.opened + QUARTER
        while issued < end:
            self.invoice(customer, account, issued, issued - QUARTER, sent_to)
            issued += QUARTER
        if account.closed is not None and account.closed + 2 * DAY < clock.now:
            since = max(account.opened, issued - QUARTER)
            self.invoice(customer, account, account.closed + 2 * DAY, since, sent_to)
        if account.pays_by == "card":
            self.card(customer, account)
        else:
            self.mandate(customer, account)

    def invoice(
        self, customer: Customer, account: Account, issued: int, since: int, sent_to: str | None
    ) -> None:
        rng, clock = self.rng, self.clock
        number = f"INV{self.invoice_ids.take():09d}"
        price = _PRICE[account.product]
        amount = price + int(rng.random() * price * 0.3)
        self.invoices.append((
            number, account.number, clock.stamp(issued), clock.day(since),
            clock.day(issued - DAY), customer.billing_name, customer.full_address,
            customer.postcode, sent_to, amount,
        ))  # fmt: skip
        if issued < clock.now - 25 * DAY and rng.random() < 0.97:
            paid = issued + int((3 + rng.random() * 22) * DAY)
            self.payments.append((
                self.payment_ids.take(), number, account.number, clock.stamp(paid), amount,
                account.pays_by,
            ))  # fmt: skip

    def card(self, customer: Customer, account: Account) -> None:
        rng, clock = self.rng, self.clock
        added = account.opened
        if rng.random() < 0.4:  # an earlier card, since replaced
            replaced = added + int(rng.random() * (clock.now - added))
            self._card(customer, account, added, replaced)
            added = replaced
        self._card(customer, account, added, account.closed)

    def _card(self, customer: Customer, account: Account, added: int, removed: int | None) -> None:
        rng, clock = self.rng, self.clock
        day = clock.day(added)
        expiry = f"{day[5:7]}/{(int(day[2:4]) + 3) % 100:02d}"
        brand = "Visa" if rng.random() < 0.6 else ("Mastercard" if rng.random() < 0.9 else "Amex")
        holder = f"{customer.first[0]} {customer.last}".upper()
        row = (
            self.card_ids.take(), account.number, "tok_" + identifiers.hexes(rng, 24),
            f"{int(rng.random() * 10_000):04d}", brand, expiry, holder, clock.stamp(added),
            None if removed is None else clock.stamp(removed),
        )  # fmt: skip
        if removed is not None and removed < clock.now - 365 * DAY:
            self.archived.append((*row, clock.stamp(removed + 120 * DAY)))
        else:
            self.cards.append(row)

    def mandate(self, customer: Customer, account: Account) -> None:
        rng, clock = self.rng, self.clock
        sort_code = "-".join(f"{int(rng.random() * 100):02d}" for _ in range(3))
        bank_account = f"{int(rng.random() * 100_000_000):08d}"
        holder = f"{customer.first} {customer.last}"
        self.mandates.append((
            "NWDD" + account.number[2:], account.number, holder, sort_code, bank_account,
            clock.stamp(account.opened),
            None if account.closed is None else clock.stamp(account.closed),
        ))  # fmt: skip


def make(chunk: Chunk) -> None:
    """Fill the billing tables for the chunk's accounts."""
    billing = _Billing(chunk)
    for customer in chunk.customers:
        for account in customer.accounts:
            billing.account(customer, account)
