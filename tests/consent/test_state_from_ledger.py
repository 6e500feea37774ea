"""consent_state is derived from the consent ledger; an edited state row is never acted on."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pledge.consent.decide import decide
from pledge.subjects.hashing import Hasher
from tests.consent.test_sources import grant, reasons


def forge_consent(engine: Engine) -> None:
    # consent_state is derived (not append-only): someone marks the withdrawn person granted.
    with engine.begin() as connection:
        changed = connection.execute(
            sa.text("UPDATE consent_state SET status = 'granted', basis = 'consent'")
        )
    assert changed.rowcount == 1


def test_a_decision_follows_the_ledger_not_an_edited_state(engine: Engine, hasher: Hasher) -> None:
    grant(engine, hasher, "b@x.example")
    grant(engine, hasher, "b@x.example", "withdraw")
    forge_consent(engine)
    with Session(engine) as session:
        decision = decide(session, hasher, "email", "b@x.example", purpose="news", channel="email")
    assert not decision.allowed
    assert decision.reason.value == "withdrawn"


def test_screening_follows_the_ledger_not_an_edited_state(
    engine: Engine, hasher: Hasher, tmp_path: Path
) -> None:
    grant(engine, hasher, "a@x.example")
    grant(engine, hasher, "b@x.example")
    grant(engine, hasher, "b@x.example", "withdraw")
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE consent_state SET status = 'granted' WHERE status = 'withdrawn'")
        )
    found = reasons(engine, tmp_path / "cache.duckdb", hasher, tmp_path)
    assert found["A"] == "consent"
    assert found["B"] == "withdrawn"
