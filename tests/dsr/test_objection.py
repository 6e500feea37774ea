"""Objection: marketing objections recorded at once; others wait for the DPO with a due date."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from pledge.declaration import load_text
from pledge.dsr.objection import ObjectionRefused, awaiting, decide
from pledge.services.objection import object_to
from pledge.store import AuditEvent, make_engine
from pledge.store.consent_tables import SuppressionRow
from pledge.subjects.identity import parse
from tests.dsr.erasure_estate import NOW, YAML, Estate, estate

__all__ = ["estate"]

PURPOSES = """
purposes:
  fraud:
    description: Score fraud risk
    lawful_basis: legitimate-interests
    legitimate_interest: stopping fraud
  billing:
    description: Bill you
    lawful_basis: contract
marketing:
  channels: [email, sms]
"""


def _loaded(world: Estate):  # type: ignore[no-untyped-def]
    return load_text(YAML.format(crm=world.crm, billing=world.billing) + PURPOSES)


def test_marketing_objection_is_recorded_for_consent(estate: Estate) -> None:
    ids = parse([("email", estate.people[0].email)])
    row = object_to(_loaded(estate), ids, settings=estate.settings, to="direct-marketing", now=NOW)
    assert (row.status, row.channels, row.due_on) == ("recorded", ["email", "sms"], None)
    assert row.applied_at == NOW
    assert estate.people[0].email not in str(row.identity_hashes)
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        actions = list(connection.execute(sa.select(AuditEvent.action)).scalars())
    engine.dispose()
    assert "objection.direct-marketing" in actions
    engine = make_engine(estate.settings)
    with engine.connect() as connection:
        suppressed = connection.execute(sa.select(SuppressionRow.identity_hash)).scalars().all()
    engine.dispose()
    assert suppressed and estate.people[0].email not in str(suppressed)


def test_processing_objection_waits_for_the_dpo_with_a_clock(estate: Estate) -> None:
    ids = parse([("email", estate.people[1].email)])
    row = object_to(
        _loaded(estate),
        ids,
        settings=estate.settings,
        to="processing",
        purpose="fraud",
        grounds="I am not a fraud risk",
        now=NOW,
    )
    assert row.status == "awaiting-decision"
    assert row.due_on == date(2026, 12, 21)  # 20 Dec 2026 is a Sunday
    engine = make_engine(estate.settings)
    assert [o.id for o in awaiting(engine)] == [row.id]
    with pytest.raises(ObjectionRefused, match="says why"):
        decide(engine, row.id, upheld=False, decided_by="dpo", decision=" ")
    decided = decide(engine, row.id, upheld=True, decided_by="dpo", decision="No fraud signal")
    assert decided.status == "upheld" and awaiting(engine) == []
    with pytest.raises(ObjectionRefused, match="is upheld"):
        decide(engine, row.id, upheld=False, decided_by="dpo", decision="changed my mind")
    engine.dispose()


def test_objection_to_an_unknown_purpose_is_refused(estate: Estate) -> None:
    ids = parse([("email", estate.people[1].email)])
    with pytest.raises(ObjectionRefused, match="'frod' is not a declared purpose"):
        object_to(_loaded(estate), ids, settings=estate.settings, to="processing", purpose="frod")
