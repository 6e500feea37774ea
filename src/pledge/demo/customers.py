"""The CRM: customers, their addresses, accounts, credit checks and directory listings.

About one residential customer in seven joins the household of an earlier one: same surname,
same address, their own mobile account. Erasing one of them must leave the other alone.
"""

from __future__ import annotations

from datetime import timedelta
from random import Random

from pledge.demo import identifiers, names
from pledge.demo.rows import CHUNK, Account, Chunk, Customer, Ids

_TOWNS = [town for town in names.TOWNS for _ in range(town.weight)]
_TOWN_BY_NAME = {town.name: town for town in names.TOWNS}
_HOUSEHOLD = 0.15
_BUSINESS = 0.12
DAY = 86_400


def pick(rng: Random, items: tuple[str, ...] | list[str]) -> str:
    """One item, uniformly (cheaper than ``rng.choice`` in the hot loops)."""
    return items[int(rng.random() * len(items))]


def street(rng: Random) -> str:
    """A house number and street: "12 Holderness Road"."""
    name = f"{pick(rng, names.STREET_NAMES)} {pick(rng, names.STREET_KINDS)}"
    return f"{1 + int(rng.random() * 240)} {name}"


def email(first: str, last: str, number: int, domain: str) -> str:
    """A personal address; ``number`` makes it unique, the way providers suggest one."""
    clean = (first + "." + last).lower().replace("'", "")
    return f"{clean}{number}@{domain}"


class _Crm:
    """The CRM rows of one chunk, built customer by customer."""

    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.clock = chunk.clock
        self.rng = chunk.rng("crm")
        self.salt = chunk.plan.seed % 1_000
        self.address_ids = Ids(chunk.index, 3 * CHUNK)
        self.check_ids = Ids(chunk.index, 3 * CHUNK)
        self.heads: list[Customer] = []

    def customer(self, position: int) -> None:
        rng, clock = self.rng, self.clock
        head = self.heads[int(rng.random() * len(self.heads))] if self.heads else None
        if rng.random() >= _HOUSEHOLD:
            head = None
        business = head is None and rng.random() < _BUSINESS
        female = rng.random() < 0.5
        first = pick(rng, names.FEMALE_NAMES if female else names.MALE_NAMES)
        title = pick(rng, ("Mrs", "Ms", "Miss")) if female else "Mr"
        if rng.random() < 0.03:
            title = "Dr"
        line2: str | None = None
        if head is not None:
            last, line1, line2 = head.last, head.address, head.line2
            town, postcode = head.town, head.postcode
            created = head.created + int(rng.random() * (clock.now - DAY - head.created))
        else:
            last = pick(rng, names.SURNAMES)
            place = _TOWNS[int(rng.random() * len(_TOWNS))]
            town, postcode = place.name, identifiers.postcode(place, rng)
            line1 = street(rng)
            if rng.random() < 0.15:
                line2 = f"{pick(rng, names.FLAT_WORDS)} {1 + int(rng.random() * 30)}"
            created = int(rng.random() * (clock.now - DAY))
        company = company_number = None
        if business:
            company = f"{pick(rng, names.COMPANY_WORDS)} {pick(rng, names.COMPANY_KINDS)}"
            if rng.random() < 0.6:
                company += " Ltd"
                company_number = f"{int(rng.random() * 16_000_000):08d}"
        products = _products(rng, business, head is not None)
        mobile = None
        if "mobile" in products or rng.random() < 0.85:
            mobile = identifiers.mobile(position, self.salt)
        landline = None
        if products != ["mobile"]:
            landline = identifiers.landline(_TOWN_BY_NAME[town], position, self.salt)
        number = identifiers.scatter(position, 1_000_000, self.salt + 250)
        mail = email(first, last, number, pick(rng, names.EMAIL_DOMAINS))
        born = None
        if not business:
            age_days = int((18 + rng.random() * 67) * 365.25)
            born = (clock.start + timedelta(days=created // DAY - age_days)).isoformat()
        cid = 100_001 + position
        kind = "business" if business else "residential"
        row = [cid, kind, title, first, last, company, company_number, mail, mobile, landline]
        row += [born, clock.stamp(created), rng.random() < 0.01]
        billing_name = company or f"{title} {first[0]} {last}"
        customer = Customer(
            cid, position, kind, first, last, mail, mobile, billing_name, line1, line2, town,
            postcode, created,
        )  # fmt: skip
        self.addresses(customer, business, moved=head is None and rng.random() < 0.1)
        self.accounts(customer, products, mobile, landline, company)
        closed = [a.closed for a in customer.accounts]
        left = None if None in closed else max(c for c in closed if c is not None)
        self.chunk.add("customer").append((*row, None if left is None else clock.stamp(left)))
        self.chunk.customers.append(customer)
        if head is None and not business:
            self.heads.append(customer)
            if len(self.heads) > 50:
                self.heads.pop(0)

    def addresses(self, customer: Customer, business: bool, *, moved: bool) -> None:
        """The current billing address; an earlier one for people who moved; a site for
        some businesses."""
        rng, clock, rows = self.rng, self.clock, self.chunk.add("address")
        cid, town, place = customer.id, customer.town, _TOWN_BY_NAME[customer.town]
        if moved:
            left = customer.created + int(rng.random() * (clock.now - DAY - customer.created))
            before = (street(rng), None, town, identifiers.postcode(place, rng))
            rows.append((self.address_ids.take(), cid, "billing", *before, clock.stamp(left)))
        current = (customer.address, customer.line2, town, customer.postcode)
        rows.append((self.address_ids.take(), cid, "billing", *current, None))
        if business and rng.random() < 0.3:
            site = f"Unit {1 + int(rng.random() * 20)}, {pick(rng, names.STREET_NAMES)} Park"
            where = (site, None, town, identifiers.postcode(place, rng))
            rows.append((self.address_ids.take(), cid, "installation", *where, None))

    def accounts(
        self,
        customer: Customer,
        products: list[str],
        mobile: str | None,
        landline: str | None,
        company: str | None,
    ) -> None:
        rng, clock = self.rng, self.clock
        accounts = self.chunk.add("account")
        checks = self.chunk.add("credit_check")
        listings = self.chunk.add("directory_listing")
        for k, product in enumerate(products):
            number = identifiers.account_number(customer.position * 2 + k)
            phone = mobile if product == "mobile" else landline
            assert phone is not None, "products are chosen together with the numbers"
            start = customer.created
            if k:
                start += int(rng.random() * (clock.now - DAY - customer.created))
            opened = start + int(rng.random() * 3 * DAY)
            closed = None
            if rng.random() < 0.25:
                closed = opened + int(rng.random() * (clock.now - opened))
            pays_by = "direct-debit" if rng.random() < 0.7 else "card"
            customer.accounts.append(Account(number, product, phone, opened, closed, pays_by))
            accounts.append((
                number, customer.id, product, "closed" if closed else "open", phone,
                clock.stamp(opened), None if closed is None else clock.stamp(closed),
            ))  # fmt: skip
            score = 300 + int(rng.random() * 700)
            decision = "accept" if score > 520 else ("refer" if score > 420 else "decline")
            reference = "LCR" + identifiers.hexes(rng, 10).upper()
            checked = clock.stamp(max(0, opened - 3_600))
            checks.append((self.check_ids.take(), customer.id, reference, checked, score, decision))
            if product != "mobile":
                listed = company or f"{customer.last} {customer.first[0]}"
                ex_directory = rng.random() < (0.05 if company else 0.35)
                ceased = None if closed is None else clock.stamp(closed)
                listings.append(
                    (
                        number,
                        listed,
                        phone,
                        customer.town,
                        ex_directory,
                        clock.stamp(opened),
                        ceased,
                    )
                )


def _products(rng: Random, business: bool, joins: bool) -> list[str]:
    """What the customer buys; household members take a mobile of their own."""
    if joins:
        return ["mobile"]
    if business:
        main = "business-lines"
    else:
        main = "home-phone-broadband" if rng.random() < 0.6 else "mobile"
    if rng.random() < 0.3:
        return [main, "mobile" if main != "mobile" else "home-phone-broadband"]
    return [main]


def make(chunk: Chunk) -> None:
    """Fill the CRM tables for the chunk's customers and note what later tables need."""
    crm = _Crm(chunk)
    for position in chunk.plan.chunk_range(chunk.index):
        crm.customer(position)
