"""One decision is a few indexed reads, whatever the size of the register or the ledger."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from pledge.consent.decide import _LOOKUP
from pledge.settings import Settings
from pledge.store import make_engine, upgrade


def test_the_lookup_seeks_every_table_it_reads(tmp_path: Path) -> None:
    # Reading the register by number alone once scanned all of it: 7 ms at 200,000 numbers,
    # which would be most of a second at the TPS register's twenty million.
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(settings)
    engine = make_engine(settings)
    parameters = {
        "hash": "ab" * 32,
        "purpose": "news",
        "channel": "phone",
        "stream": "residential",
        "number": "+447911123456",
    }
    with engine.connect() as connection:
        for lookup in _LOOKUP.values():
            plan = connection.execute(sa.text(f"EXPLAIN QUERY PLAN {lookup.text}"), parameters)
            steps = [str(row[-1]) for row in plan]
            assert not [s for s in steps if s.startswith("SCAN")], steps
            assert any("register_number USING" in s for s in steps), steps
    engine.dispose()
