"""Erasure, replay, rectification and restriction on real PostgreSQL and MariaDB servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge.dsr.erasure import ErasureIncomplete, erase
from pledge.dsr.rectify import rectify
from pledge.dsr.replay import replay
from pledge.dsr.restrict import restrict
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import HOUSEHOLDS, NOW, Estate, make_estate, owned_by

SERVERS = [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]
#: Statements that make the server refuse to change customers, per engine.
REFUSE_DELETE = {
    "postgres": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$",
        "CREATE TRIGGER refuse BEFORE UPDATE ON customer FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
    "mariadb": [
        "CREATE TRIGGER refuse BEFORE UPDATE ON customer FOR EACH ROW "
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'disk on fire'",
    ],
}


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Estate]:
    make: Callable[[], str] = request.getfixturevalue(f"{request.param}_database")
    return request.param, make_estate(tmp_path, list(HOUSEHOLDS), crm=make(), billing=make())


def test_erasure_on_the_server(server: tuple[str, Estate]) -> None:
    _, estate = server
    cat = estate.people[2]
    before = estate.rows()
    result = erase(estate.loaded, parse([("email", cat.email)]), settings=estate.settings, now=NOW)
    after = estate.rows()
    assert result.complete and result.kept == 5
    for table, rows in before.items():
        for key, row in rows.items():
            if not owned_by(cat, table, key):
                assert after[table][key] == row
    assert after["customer"][cat.id][2] == "*** *****"
    calls = [r for k, r in after["call"].items() if owned_by(cat, "call", k)]
    assert len(calls) == 3 and all(r[-1] for r in calls)
    assert after["account"][cat.account][3] is None


def test_a_failure_on_the_server_rolls_the_system_back(server: tuple[str, Estate]) -> None:
    kind, estate = server
    engine = sa.create_engine(estate.crm)
    with engine.begin() as connection:
        for statement in REFUSE_DELETE[kind]:
            connection.execute(sa.text(statement))
    engine.dispose()
    before = estate.rows()
    with pytest.raises(ErasureIncomplete, match="disk on fire"):
        erase(
            estate.loaded,
            parse([("email", estate.people[1].email)]),
            settings=estate.settings,
            now=NOW,
        )
    after = estate.rows()
    for table in ("customer", "address", "contact_note"):
        assert after[table] == before[table]


def test_rectify_and_restrict_on_the_server(server: tuple[str, Estate]) -> None:
    _, estate = server
    ann, bob = estate.people[:2]
    ids = parse([("email", ann.email)])
    rectify(estate.loaded, ids, {"crm.customer.full_name": "Ann Smyth"}, settings=estate.settings)
    restrict(estate.loaded, ids, settings=estate.settings)
    rows = estate.rows()
    assert rows["customer"][ann.id][2] == "Ann Smyth" and rows["customer"][ann.id][-1]
    assert rows["customer"][bob.id][2] == "Bob Smith" and not rows["customer"][bob.id][-1]


@pytest.mark.postgres
def test_a_connection_cut_mid_erasure_rolls_back(
    postgres_database: Callable[[], str], tmp_path: Path
) -> None:
    estate = make_estate(
        tmp_path, list(HOUSEHOLDS), crm=postgres_database(), billing=postgres_database()
    )
    engine = sa.create_engine(estate.crm)
    with engine.begin() as connection:
        # The server drops the erasing connection halfway through crm's transaction.
        connection.execute(
            sa.text(
                "CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$"
            )
        )
        connection.execute(
            sa.text(
                "CREATE TRIGGER cut BEFORE UPDATE ON customer FOR EACH ROW EXECUTE FUNCTION cut()"
            )
        )
    engine.dispose()
    before = estate.rows()
    with pytest.raises(ErasureIncomplete, match="crm") as caught:
        erase(
            estate.loaded,
            parse([("email", estate.people[0].email)]),
            settings=estate.settings,
            now=NOW,
        )
    after = estate.rows()
    for table in ("customer", "address", "contact_note"):
        assert after[table] == before[table]
    assert {s.system: s.status for s in caught.value.result.systems}["crm"] == "failed"


def test_replay_on_the_server(server: tuple[str, Estate]) -> None:
    _, estate = server
    bob = estate.people[1]
    before = estate.rows()
    erase(estate.loaded, parse([("email", bob.email)]), settings=estate.settings, now=NOW)
    erased = estate.rows()
    engine = sa.create_engine(estate.billing)
    with engine.begin() as connection:  # last night's backup of the account table comes back
        connection.execute(
            sa.text("UPDATE account SET holder = :holder, email = :email WHERE number = :number"),
            {"holder": "Bob Smith", "email": bob.email, "number": bob.account},
        )
    engine.dispose()
    assert estate.rows()["account"][bob.account] == before["account"][bob.account]
    done = replay(estate.loaded, settings=estate.settings, system="billing", now=NOW)
    assert done.people == 1
    assert estate.rows()["account"] == erased["account"]
