"""Access requests on real SQLite files: exactly the person's rows, or a loud failure."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.connectors import Row
from pledge.declaration import Loaded, load_text
from pledge.dsr import executors, respond
from pledge.dsr import request_store as requests
from pledge.dsr.access import Writer, read_subject
from pledge.dsr.request import State
from pledge.settings import Settings
from pledge.store import AuditEvent, make_engine, session_factory, upgrade
from pledge.subjects.identity import parse
from pledge.subjects.plan import make_plan
from pledge.subjects.systems import AccessFailed, open_systems
from tests.dsr.declarations import ACCESS_YAML
from tests.dsr.estate import build
from tests.fixtures.keys import TEST_HASH_KEY

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
WHO = "dpo@northwold.example"


@pytest.fixture
def loaded() -> Loaded:
    return load_text(ACCESS_YAML)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store' / 'pledge.sqlite'}")
    upgrade(settings)
    made = make_engine(settings)
    yield made
    made.dispose()


def collect(plan_rows: dict[str, list[Row]]) -> Writer:
    def write(dotted: str, batches: Iterable[list[Row]]) -> int:
        rows = plan_rows.setdefault(dotted, [])
        for batch in batches:
            rows.extend(batch)
        return len(rows)

    return write


def direct(path: Path, sql: str, *params: object) -> list[dict[str, object]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(sql, params)]


def test_exactly_the_persons_rows_in_every_system(tmp_path: Path, loaded: Loaded) -> None:
    environ = build(tmp_path, calls_per_person=2_500)
    plan = make_plan(loaded.declaration, parse([("email", "  ADA@example.ORG ")]))
    got: dict[str, list[Row]] = {}
    with open_systems(loaded.declaration, plan, environ=environ, folder=tmp_path) as systems:
        counts = read_subject(plan, systems, collect(got), batch_size=100)
    assert got["crm.customer"] == direct(
        tmp_path / "crm.sqlite", "SELECT * FROM customer WHERE lower(email) = 'ada@example.org'"
    )
    calls = direct(tmp_path / "network.sqlite", "SELECT * FROM cdr WHERE customer_id = 1")
    assert sorted(got["network.cdr"], key=str) == sorted(calls, key=str)
    assert counts == {"crm.customer": 1, "network.cdr": 2_500}


def test_a_person_found_twice_is_listed_once(tmp_path: Path, loaded: Loaded) -> None:
    environ = build(tmp_path)
    plan = make_plan(
        loaded.declaration, parse([("email", "ada@example.org"), ("customer_id", "1")])
    )
    got: dict[str, list[Row]] = {}
    with open_systems(loaded.declaration, plan, environ=environ, folder=tmp_path) as systems:
        read_subject(plan, systems, collect(got))
    assert [r["id"] for r in got["crm.customer"]] == [1]
    assert len(got["network.cdr"]) == 3


def test_answering_a_stored_request(tmp_path: Path, loaded: Loaded, engine: Engine) -> None:
    environ = build(tmp_path)
    logged = requests.open_request(
        engine,
        kind="access",
        identities={"email": ["ada@example.org"]},
        rights=loaded.declaration.rights,
        received_on=date(2026, 1, 30),
        actor=WHO,
    )
    with pytest.raises(respond.RequestNotReady, match="pledge request verify"):
        respond.answer(
            engine,
            logged.id,
            loaded=loaded,
            settings=Settings(environ=environ),
            out=tmp_path,
            actor=WHO,
            now=NOW,
        )
    requests.confirm_identity(
        engine,
        logged.id,
        on=date(2026, 1, 31),
        declared="email-code",
        passed=["email-code"],
        how="email-code (checked by Pledge)",
        actor=WHO,
    )
    outcome = respond.answer(
        engine,
        logged.id,
        loaded=loaded,
        settings=Settings(environ=environ),
        out=tmp_path / "out",
        actor=WHO,
        now=NOW,
    )
    assert outcome.request.state is State.COMPLETE
    assert outcome.package == tmp_path / "out" / "access-1-20260201T120000Z.zip"
    assert outcome.counts == {"crm.customer": 1, "network.cdr": 3}
    with zipfile.ZipFile(outcome.package) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["systems"]["crm"]["customer"] == [
        {"id": 1, "email": "Ada@Example.org", "name": "Ada Lovelace"}
    ]
    assert {r["customer_id"] for r in data["systems"]["network"]["cdr"]} == {1}
    assert requests.get(engine, logged.id).outcome["package"] == str(outcome.package)


def test_a_system_that_is_down_fails_the_request_naming_it(
    tmp_path: Path, loaded: Loaded, engine: Engine
) -> None:
    environ = build(tmp_path)
    (tmp_path / "network.sqlite").unlink()
    logged = requests.open_request(
        engine,
        kind="portability",
        identities={"email": ["ada@example.org"]},
        rights=loaded.declaration.rights,
        received_on=date(2026, 1, 30),
        actor=WHO,
    )
    with pytest.raises(AccessFailed, match="system 'network' could not be reached"):
        respond.answer(
            engine,
            logged.id,
            loaded=loaded,
            settings=Settings(environ=environ),
            out=tmp_path,
            actor=WHO,
            now=NOW,
        )
    failed = requests.get(engine, logged.id)
    assert failed.state is State.FAILED
    assert failed.message is not None and "system 'network'" in failed.message
    assert failed.outcome == {"failed_system": "network"}
    assert not list(tmp_path.glob("*.zip*"))  # no package, not even a partial one
    with session_factory(engine)() as session:
        actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "request.failed"


def test_a_request_type_without_an_executor_fails_loudly(
    tmp_path: Path, loaded: Loaded, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(executors.EXECUTORS, "erasure", "pledge.dsr.no_such_module:erase")
    logged = requests.open_request(
        engine,
        kind="erasure",
        identities={"email": ["ada@example.org"]},
        rights=loaded.declaration.rights,
        received_on=date(2026, 1, 30),
        actor=WHO,
    )
    with pytest.raises(respond.RequestNotReady, match="cannot run erasure requests"):
        respond.answer(
            engine, logged.id, loaded=loaded, settings=Settings(), out=tmp_path, actor=WHO, now=NOW
        )
    assert requests.get(engine, logged.id).state is State.FAILED


class FakeErasure:
    """What an erasure executor returns: counts and a certificate."""

    erased, kept = 4, 2

    def certificate(self) -> dict[str, object]:
        return {"status": "complete-with-exemptions"}


def fake_erase(*_args: object, **kwargs: object) -> FakeErasure:
    assert kwargs["request_id"] == "1"
    return FakeErasure()


def test_erasure_runs_through_its_executor_and_keeps_its_certificate(
    tmp_path: Path, loaded: Loaded, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(executors.EXECUTORS, "erasure", "tests.dsr.test_access:fake_erase")
    logged = requests.open_request(
        engine,
        kind="erasure",
        identities={"email": ["ada@example.org"]},
        rights=loaded.declaration.rights,
        received_on=date(2026, 1, 30),
        actor=WHO,
    )
    outcome = respond.answer(
        engine,
        logged.id,
        loaded=loaded,
        settings=Settings(hash_key=TEST_HASH_KEY),
        out=tmp_path,
        actor=WHO,
        now=NOW,
    )
    assert outcome.request.state is State.COMPLETE_WITH_EXEMPTIONS
    assert outcome.request.outcome == {"certificate": {"status": "complete-with-exemptions"}}
    assert outcome.request.message == "erased 4 row(s); 2 kept under exemptions"
