"""Property: on schemas nobody designed for it, a request reaches what the rules say it must.

Random small schemas and declarations (tests/subjects/reach_schemas.py), random rows and a
random person asking by email, phone or id: access through ``pledge.subjects.reach.find``
must report exactly the oracle's rows, shared rows and context rows (or stop where it stops),
and erasure must change exactly the rows and fields the oracle changes and nothing else (or
stop before writing anything). The oracle (tests/subjects/reach_oracle.py) is a separate
reading of README "Whose rows are these: subject reach", written without the runner's code.

SQLite on every run; PostgreSQL and MariaDB when their servers are there, with fewer cases
(one database per test, its tables made again for every case).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from tests.fixtures.keys import TEST_HASH_KEY
from tests.subjects.reach_case import Estate, Tally, run_case, scratch
from tests.subjects.reach_schemas import requesters, schemas, worlds

SQLITE_CASES = 300
SERVER_CASES = 40


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Engine]]:
    folder = tmp_path_factory.mktemp("store")
    configured = Settings(
        database_url=f"sqlite:///{folder / 'pledge.sqlite'}", hash_key=TEST_HASH_KEY
    )
    upgrade(configured)
    engine = make_engine(configured)
    yield configured, engine
    engine.dispose()


def check(estate: Estate, store: tuple[Settings, Engine], cases: int) -> Tally:
    """Run ``cases`` random cases on ``estate``; fail on the first disagreement, shrunk."""
    tally = Tally()

    @settings(
        max_examples=cases,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def case(data: st.DataObject) -> None:
        schema = data.draw(schemas(), label="schema")
        world = data.draw(worlds(schema), label="rows")
        given = data.draw(requesters(schema, world), label="subject")
        verdict = run_case(estate, schema, world, given, settings=store[0], store=store[1])
        tally.add(verdict)
        assert not verdict.wrong, verdict.report()

    try:
        case()
    finally:
        estate.close()
    assert (tally.over, tally.under, tally.errors) == (0, 0, 0), tally.line()
    # Both outcomes were exercised: most requests went on, and (over enough cases, about
    # one in five stops) some stopped.
    assert tally.stops < tally.cases and (tally.stops > 0 or cases < 100), tally.line()
    return tally


def test_reach_on_sqlite_matches_the_rules(store: tuple[Settings, Engine]) -> None:
    with scratch() as folder:
        check(Estate(folder), store, SQLITE_CASES)


@pytest.mark.postgres
def test_reach_on_postgres_matches_the_rules(
    store: tuple[Settings, Engine], postgres_url: str
) -> None:
    with scratch() as folder:
        check(Estate(folder, postgres_url), store, SERVER_CASES)


@pytest.mark.mariadb
def test_reach_on_mariadb_matches_the_rules(
    store: tuple[Settings, Engine], mariadb_url: str
) -> None:
    with scratch() as folder:
        check(Estate(folder, mariadb_url), store, SERVER_CASES)
