"""A small company for retention tests: call records, applicants with an archive, leavers.

The same tables and rows are made on SQLite, PostgreSQL and MariaDB, all dated relative to
:data:`NOW`, so every test knows exactly which rows each rule expires.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from pledge.declaration import Declaration, load_text

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CALLS = 100
APPLICANTS = 40
EMPLOYEES = 30

metadata = sa.MetaData()
cdr = sa.Table(
    "cdr",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, nullable=False),
    sa.Column("caller", sa.String(20), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False, index=True),
)
applicant = sa.Table(
    "applicant",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100), nullable=False),
    sa.Column("name", sa.String(100)),
    # No index: the sweep must walk the primary key instead.
    sa.Column("last_activity_at", sa.DateTime, nullable=False),
)
applicant_archive = sa.Table(
    "applicant_archive",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100), nullable=False),
    sa.Column("name", sa.String(100)),
    sa.Column("last_activity_at", sa.DateTime, nullable=False),
    sa.Column("archived_at", sa.DateTime, nullable=False),
)
employee = sa.Table(
    "employee",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("employee_id", sa.String(10), nullable=False),
    sa.Column("name", sa.String(100)),
    sa.Column("email", sa.String(100), nullable=False),
    sa.Column("left_at", sa.Date),
)

DECLARATION = """
controller: {{name: Test Telecom Ltd, address: 1 Quay Street Hull}}
systems:
  net:
    connection: {url}
    datasets:
      cdr:
        fields:
          id: {{primary_key: true}}
          customer_id: {{identity: customer_id}}
          caller: {{identity: phone, categories: [telecom.call_detail_record]}}
          started_at: {{categories: [telecom.call_detail_record]}}
      applicant:
        fields:
          id: {{primary_key: true, identity: applicant_id}}
          email: {{identity: email, categories: [user.contact.email]}}
          name: {{categories: [user.name]}}
          last_activity_at: {{}}
      applicant_archive:
        fields:
          id: {{primary_key: true, identity: applicant_id}}
          email: {{identity: email, categories: [user.contact.email]}}
          name: {{categories: [user.name]}}
          last_activity_at: {{}}
          archived_at: {{}}
      employee:
        fields:
          id: {{primary_key: true}}
          employee_id: {{identity: employee_id}}
          name: {{categories: [user.name]}}
          email: {{categories: [user.contact.email]}}
          left_at: {{}}
retention:
  cdr-12-months: {{dataset: net.cdr, keep: 12 months, from: started_at, then: delete}}
  applicants:
    dataset: net.applicant
    keep: 600 days
    from: last_activity_at
    counted: inactivity
    then: archive
    archive: {{to: net.applicant_archive, keep: 90 days}}
  leavers:
    dataset: net.employee
    keep: 6 years
    from: left_at
    counted: event
    then: anonymise
    anonymise: [name, email]
"""


def declaration(url: str) -> Declaration:
    """The test company's declaration, its one system at ``url``."""
    return load_text(DECLARATION.format(url=url)).declaration


def build(engine: sa.Engine) -> None:
    """Create the tables and fill them with rows of every age."""
    metadata.create_all(engine)
    naive = NOW.replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(
            cdr.insert(),
            [
                {
                    "id": i,
                    "customer_id": i % 5,
                    "caller": f"+4477009{i:05d}",
                    "started_at": naive - timedelta(days=5 * i),
                }
                for i in range(CALLS)
            ],
        )
        connection.execute(
            applicant.insert(),
            [
                {
                    "id": i,
                    # Applicant 38 typed their email with capitals, as people do.
                    "email": "A38@Example.com" if i == 38 else f"a{i}@example.com",
                    "name": f"Applicant {i}",
                    "last_activity_at": naive - timedelta(days=20 * i),
                }
                for i in range(APPLICANTS)
            ],
        )
        connection.execute(
            employee.insert(),
            [
                {
                    "id": i,
                    "employee_id": f"E{i:03d}",
                    "name": f"Employee {i}",
                    "email": f"e{i}@northwold.example",
                    # Every third person still works here: no leaving date, never expires.
                    "left_at": None if i % 3 == 0 else (naive - timedelta(days=120 * i)).date(),
                }
                for i in range(EMPLOYEES)
            ],
        )


def expected_expired_calls() -> set[int]:
    """Ids of call records older than 12 months at NOW."""
    cutoff = NOW.replace(year=NOW.year - 1)
    return {i for i in range(CALLS) if NOW - timedelta(days=5 * i) < cutoff}


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: the end state two runs are compared by."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                tuple(row)
                for row in connection.execute(
                    sa.select(*[c for c in table.c if c.name != "archived_at"])
                )
            )
            for table in metadata.sorted_tables
        }
