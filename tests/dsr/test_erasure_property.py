"""Property: erasing one person leaves every other person's rows byte-identical.

The generated estates are built to tempt a careless erasure: people share surnames, streets,
first names and household landlines, and have anywhere from none to several rows of each kind.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.dsr.erasure import erase
from pledge.settings import Settings
from pledge.store import upgrade
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import (
    NOW,
    Person,
    build,
    declaration,
    owned_by,
    snapshot,
    sqlite_urls,
)
from tests.fixtures.keys import TEST_HASH_KEY


@st.composite
def people(draw: st.DrawFn) -> list[Person]:
    count = draw(st.integers(min_value=2, max_value=6))
    small = st.integers(min_value=0, max_value=2)
    return [
        Person(
            id=n,
            first=draw(st.sampled_from(["Ann", "Bob", "Cat"])),
            surname=draw(st.sampled_from(["Smith", "Jones"])),
            street=draw(st.sampled_from(["1 Quay Street", "2 Dock Road"])),
            notes=draw(small),
            invoices_old=draw(small),
            invoices_recent=draw(small),
            calls_old=draw(small),
            calls_recent=draw(small),
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("store")
    configured = Settings(
        database_url=f"sqlite:///{folder / 'pledge.sqlite'}", hash_key=TEST_HASH_KEY
    )
    upgrade(configured)
    return configured


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(estate=people(), data=st.data())
def test_erasure_touches_the_requesters_rows_and_nothing_else(
    store: Settings, estate: list[Person], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(estate))
    with tempfile.TemporaryDirectory() as folder:
        crm, billing = sqlite_urls(Path(folder))
        build(crm, billing, estate)
        before = snapshot(crm, billing)
        result = erase(
            declaration(crm, billing), parse([("email", target.email)]), settings=store, now=NOW
        )
        after = snapshot(crm, billing)
    assert result.complete
    for table, rows in before.items():
        for key, row in rows.items():
            if owned_by(target, table, key):
                continue
            assert after[table].get(key) == row, f"{table} row {key} of someone else changed"
        mine = [k for k in after[table] if owned_by(target, table, k)]
        if table == "address":
            assert mine == []
    kept = {d.dataset: d.kept_rows for s in result.systems for d in s.datasets}
    assert kept.get("invoice", 0) == target.invoices_recent
    assert kept.get("call", 0) == target.calls_recent
