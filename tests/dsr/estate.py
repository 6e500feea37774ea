"""A tiny two-system estate on SQLite files for the access tests: a CRM and a call store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

PEOPLE = [
    (1, "Ada@Example.org", "Ada Lovelace"),
    (2, "grace@example.org", "Grace Hopper"),
    (3, "ada@example.org.uk", "Not Ada"),
]


def build(folder: Path, calls_per_person: int = 3) -> dict[str, str]:
    """Write crm.sqlite and network.sqlite in ``folder``; the environment that points at them."""
    crm = sqlite3.connect(folder / "crm.sqlite")
    crm.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, name TEXT)")
    crm.executemany("INSERT INTO customer VALUES (?, ?, ?)", PEOPLE)
    crm.commit()
    crm.close()
    network = sqlite3.connect(folder / "network.sqlite")
    network.execute("CREATE TABLE cdr (customer_id INTEGER, callee TEXT, started_at TEXT)")
    network.executemany(
        "INSERT INTO cdr VALUES (?, ?, ?)",
        [
            (person, f"+44163296{person:02d}{n:02d}", f"2026-01-{n + 1:02d}T09:00:00")
            for person, _, _ in PEOPLE
            for n in range(calls_per_person)
        ],
    )
    network.commit()
    network.close()
    return {
        "CRM_URL": f"sqlite:///{folder / 'crm.sqlite'}",
        "NETWORK_URL": f"sqlite:///{folder / 'network.sqlite'}",
    }
