"""A small two-system estate for erasure tests, built on any engine through SQLAlchemy.

crm: customer (kept, its fields hashed, masked, nulled, because notes refer to it) ← address
(deleted) and contact_note (masked).
billing: account (refers to crm.customer, erased by updating fields) ← invoice (six years,
legal obligation, restricted in Pledge's register) and call (twelve months, restricted by a
column). Households share surnames, streets and landlines, so an erasure that matched on
anything but the person's own keys would show up as damage to a neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pledge.declaration import Loaded, load_text
from pledge.settings import Settings
from pledge.store import upgrade
from tests.fixtures.keys import TEST_HASH_KEY

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

YAML = """\
pledge: 1
controller: {{name: Northwold Telecom Ltd, address: "1 Quay Street, Hull HU1 1AA"}}
systems:
  crm:
    connection: "{crm}"
    datasets:
      customer:
        erase: update
        fields:
          id: {{primary_key: true, identity: customer_id}}
          email: {{categories: [user.contact.email], identity: email, erase: hash}}
          full_name: {{categories: [user.name], erase: mask}}
          landline: {{categories: [user.contact.phone_number], erase: nullify}}
          restricted: {{description: Processing restricted}}
        restriction_column: restricted
      address:
        fields:
          id: {{primary_key: true}}
          customer_id: {{references: customer.id}}
          line1: {{categories: [user.contact.address.street]}}
          postcode: {{categories: [user.contact.address.postal_code]}}
      contact_note:
        erase: update
        fields:
          id: {{primary_key: true}}
          customer_id: {{references: customer.id}}
          body: {{categories: [user.content], erase: mask}}
          written_on: {{description: When the note was written}}
  billing:
    connection: "{billing}"
    datasets:
      account:
        erase: update
        fields:
          number: {{primary_key: true, identity: account_number}}
          customer_id: {{references: crm.customer.id}}
          holder: {{categories: [user.name], erase: hash}}
          email: {{categories: [user.contact.email], erase: nullify}}
          plan: {{description: Tariff, erase: keep}}
      invoice:
        fields:
          id: {{primary_key: true}}
          account: {{references: account.number}}
          issued_on: {{description: Date of issue}}
          amount: {{description: Amount due}}
      call:
        fields:
          id: {{primary_key: true}}
          account: {{references: account.number}}
          started_at: {{description: When the call started}}
          callee: {{categories: [telecom.call_detail_record]}}
          restricted: {{description: Processing restricted}}
        restriction_column: restricted
retention:
  invoices-6-years:
    dataset: billing.invoice
    keep: 6 years
    from: issued_on
    then: delete
    basis: legal-obligation
    legal_reference: Companies Act 2006 s.388
    forbids_earlier_erasure: true
  calls-12-months:
    dataset: billing.call
    keep: 12 months
    from: started_at
    then: delete
    basis: legal-obligation
    legal_reference: Investigatory Powers Act 2016 retention notice
    forbids_earlier_erasure: true
"""

META = sa.MetaData()
CUSTOMER = sa.Table(
    "customer",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(200)),
    sa.Column("full_name", sa.String(200)),
    sa.Column("landline", sa.String(30)),
    sa.Column("restricted", sa.Boolean, nullable=False, default=False),
)
ADDRESS = sa.Table(
    "address",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("line1", sa.String(200)),
    sa.Column("postcode", sa.String(10)),
)
NOTE = sa.Table(
    "contact_note",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("body", sa.String(500)),
    sa.Column("written_on", sa.Date),
)
BILLING = sa.MetaData()
ACCOUNT = sa.Table(
    "account",
    BILLING,
    sa.Column("number", sa.String(20), primary_key=True),
    sa.Column("customer_id", sa.Integer, nullable=False),
    sa.Column("holder", sa.String(40)),  # narrower than a full hash: it must be cut
    sa.Column("email", sa.String(200)),
    sa.Column("plan", sa.String(50)),
)
INVOICE = sa.Table(
    "invoice",
    BILLING,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account", sa.String(20), sa.ForeignKey("account.number"), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("amount", sa.Numeric(10, 2), nullable=False),
)
CALL = sa.Table(
    "call",
    BILLING,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account", sa.String(20), sa.ForeignKey("account.number"), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("callee", sa.String(30)),
    sa.Column("restricted", sa.Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class Person:
    """One customer and how much of each kind of row they have."""

    id: int
    first: str
    surname: str
    street: str
    notes: int = 1
    invoices_old: int = 1
    invoices_recent: int = 1
    calls_old: int = 1
    calls_recent: int = 1

    @property
    def email(self) -> str:
        return f"{self.first}.{self.surname}.{self.id}@example.uk".lower()

    @property
    def account(self) -> str:
        return f"NW{self.id:06d}"


def declaration(crm: str, billing: str) -> Loaded:
    """The estate's declaration, with the systems at these URLs."""
    return load_text(YAML.format(crm=crm, billing=billing))


def sqlite_urls(folder: Path) -> tuple[str, str]:
    """SQLAlchemy URLs for two SQLite files in ``folder`` (also valid Pledge connections)."""
    return f"sqlite:///{folder / 'crm.sqlite'}", f"sqlite:///{folder / 'billing.sqlite'}"


def build(crm: str, billing: str, people: list[Person]) -> None:
    """Create the tables and fill them with ``people``'s rows."""
    rows = _rows(people)
    for url, meta in ((crm, META), (billing, BILLING)):
        engine = sa.create_engine(url)
        meta.create_all(engine)
        with engine.begin() as connection:
            for table in meta.sorted_tables:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
        engine.dispose()


def snapshot(crm: str, billing: str) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Every row of every table, by table and primary key, as comparable tuples."""
    out: dict[str, dict[Any, tuple[Any, ...]]] = {}
    for url, meta in ((crm, META), (billing, BILLING)):
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            for table in meta.sorted_tables:
                key = next(iter(table.primary_key.columns)).name
                out[table.name] = {
                    row[key]: tuple(row.values())
                    for row in connection.execute(sa.select(table)).mappings()
                }
        engine.dispose()
    return out


def _rows(people: list[Person]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in (*META.tables, *BILLING.tables)}
    for p in people:
        base = p.id * 1000
        landline = f"01482 {600000 + sum(map(ord, p.street)) % 1000:06d}"  # shared by a household
        rows["customer"].append(
            {
                "id": p.id,
                "email": p.email,
                "full_name": f"{p.first} {p.surname}",
                "landline": landline,
                "restricted": False,
            }
        )
        rows["address"].append(
            {"id": base, "customer_id": p.id, "line1": p.street, "postcode": "HU1 1AA"}
        )
        for n in range(p.notes):
            rows["contact_note"].append(
                {
                    "id": base + n,
                    "customer_id": p.id,
                    "written_on": date(2025, 1, 1),
                    "body": f"{p.first} {p.surname} of {p.street} called about a bill",
                }
            )
        rows["account"].append(
            {
                "number": p.account,
                "customer_id": p.id,
                "holder": f"{p.first} {p.surname}",
                "email": p.email,
                "plan": "Fibre 500",
            }
        )
        for n in range(p.invoices_old + p.invoices_recent):
            old = n < p.invoices_old
            issued = NOW.date() - timedelta(days=365 * 7 if old else 30 * (n + 1))
            rows["invoice"].append(
                {
                    "id": base + n,
                    "account": p.account,
                    "issued_on": issued,
                    "amount": Decimal("42.50"),
                }
            )
        for n in range(p.calls_old + p.calls_recent):
            old = n < p.calls_old
            started = (NOW - timedelta(days=400 if old else n + 1)).replace(tzinfo=None)
            rows["call"].append(
                {
                    "id": base + n,
                    "account": p.account,
                    "started_at": started,
                    "callee": landline,
                    "restricted": False,
                }
            )
    return rows


@dataclass
class Estate:
    """A built estate: its declaration, settings with a migrated store, and its people."""

    crm: str
    billing: str
    loaded: Loaded
    settings: Settings
    people: list[Person]

    def rows(self) -> dict[str, dict[Any, tuple[Any, ...]]]:
        return snapshot(self.crm, self.billing)


HOUSEHOLDS = [
    Person(1, "Ann", "Smith", "1 Quay Street"),
    Person(2, "Bob", "Smith", "1 Quay Street", notes=2),
    Person(3, "Cat", "Jones", "2 Dock Road", notes=3, invoices_recent=2, calls_recent=3),
]


def make_estate(folder: Path, people: list[Person], crm: str = "", billing: str = "") -> Estate:
    """Build ``people`` into the systems (SQLite files in ``folder`` unless URLs are given)."""
    if not crm or not billing:
        crm, billing = sqlite_urls(folder)
    build(crm, billing, people)
    settings = Settings(
        database_url=f"sqlite:///{folder / 'pledge.sqlite'}", hash_key=TEST_HASH_KEY
    )
    upgrade(settings)
    return Estate(crm, billing, declaration(crm, billing), settings, people)


@pytest.fixture
def estate(tmp_path: Path) -> Estate:
    """Three people in two households, on SQLite."""
    return make_estate(tmp_path, list(HOUSEHOLDS))


def owned_by(person: Person, table: str, key: Any) -> bool:
    """Whether the row of ``table`` with primary key ``key`` is ``person``'s."""
    if table == "customer":
        return bool(key == person.id)
    if table == "account":
        return bool(key == person.account)
    return bool(person.id * 1000 <= key < person.id * 1000 + 1000)
