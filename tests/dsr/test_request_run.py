"""``respond.answer`` hands erasure requests to the erasure executor and records its outcome."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from pledge.declaration import load_text
from pledge.dsr import request_store as requests
from pledge.dsr import respond
from pledge.dsr.request import State
from pledge.dsr.request_show import describe
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.subjects.hashing import Hasher
from tests.dsr.declarations import ACCESS_YAML
from tests.dsr.estate import build
from tests.fixtures.keys import TEST_HASH_KEY


def test_an_erasure_request_runs_through_the_erasure_executor(tmp_path: Path) -> None:
    environ = build(tmp_path)
    loaded = load_text(ACCESS_YAML)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.sqlite'}",
        environ=environ,
        hash_key=TEST_HASH_KEY,
    )
    upgrade(settings)
    engine = make_engine(settings)
    try:
        logged = requests.open_request(
            engine,
            kind="erasure",
            identities={"email": ["ada@example.org"]},
            rights=loaded.declaration.rights,
            received_on=date(2026, 1, 30),
            actor="dpo",
        )
        outcome = respond.answer(
            engine, logged.id, loaded=loaded, settings=settings, out=tmp_path, actor="dpo"
        )
    finally:
        engine.dispose()
    assert outcome.request.state is State.COMPLETE
    assert outcome.request.message == "erased 4 row(s); 0 kept under exemptions"
    assert outcome.request.outcome["certificate"]["status"] == "complete"
    with sqlite3.connect(tmp_path / "crm.sqlite") as crm:
        assert [r[0] for r in crm.execute("SELECT id FROM customer ORDER BY id")] == [2, 3]
    with sqlite3.connect(tmp_path / "network.sqlite") as network:
        assert network.execute("SELECT count(*) FROM cdr WHERE customer_id = 1").fetchone() == (0,)


def test_a_finished_erasure_keeps_the_person_only_as_keyed_hashes(tmp_path: Path) -> None:
    environ = build(tmp_path)
    loaded = load_text(ACCESS_YAML)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.sqlite'}",
        environ=environ,
        hash_key=TEST_HASH_KEY,
    )
    upgrade(settings)
    engine = make_engine(settings)
    try:
        logged = requests.open_request(
            engine,
            kind="erasure",
            identities={"email": ["ada@example.org"]},
            rights=loaded.declaration.rights,
            received_on=date(2026, 1, 30),
            actor="dpo",
        )
        respond.answer(
            engine, logged.id, loaded=loaded, settings=settings, out=tmp_path, actor="dpo"
        )
        view = requests.get(engine, logged.id)
        trail = requests.history(engine, logged.id)
    finally:
        engine.dispose()
    expected = Hasher(TEST_HASH_KEY.encode()).hash("email", "ada@example.org")
    assert view.identities == {"email": [f"keyed-sha256:{expected}"]}
    # Nowhere in the store file is the address left in the clear.
    assert b"ada@example.org" not in (tmp_path / "store.sqlite").read_bytes()
    shown = "\n".join(describe(view, trail, date(2026, 2, 1)))
    assert f"email erased (keyed hash {expected[:16]}...)" in shown
    assert "erased 4 row(s)" in shown
