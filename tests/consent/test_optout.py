"""Opt-out routes: one-click unsubscribe, SMS keywords, GPC, objections, re-subscription."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pledge.consent.decide import decide
from pledge.consent.ledger import Change, record
from pledge.consent.optout import (
    Routing,
    gpc_signal,
    keyword,
    object_to_marketing,
    one_click,
    sms_received,
)
from pledge.consent.propagation import NotPending, confirm, pending
from pledge.consent.suppression import ResubscribeRefused, resubscribe, suppress
from pledge.consent.tokens import TokenInvalid, UnsubscribeToken, sign
from pledge.store.consent_tables import ConsentEventRow, OptOutPropagationRow
from pledge.store.database import session_factory
from pledge.subjects.hashing import Hasher

ANN = "ann@example.com"


def granted(engine: Engine, hasher: Hasher, stream: str = "residential") -> None:
    with session_factory(engine).begin() as session:
        change = Change("email", ANN, "grant", "news", "email", stream, basis="consent")
        record(session, hasher, change)


def reason(engine: Engine, hasher: Hasher, stream: str | None = "residential") -> str:
    with session_factory(engine)() as session:
        found = decide(
            session, hasher, "email", ANN, purpose="news", channel="email", stream=stream
        )
    return found.reason.value


def events(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(ConsentEventRow)
        ).scalar_one()


def token(hasher: Hasher, stream: str = "residential") -> str:
    return sign(
        hasher, UnsubscribeToken(hasher.hash("email", ANN), "email", "news", "email", stream)
    )


def test_only_a_one_click_post_unsubscribes(engine: Engine, hasher: Hasher) -> None:
    granted(engine, hasher)
    before = events(engine)
    with session_factory(engine).begin() as session:
        got = one_click(session, hasher, token(hasher), method="GET")
        assert not got.unsubscribed
        got = one_click(session, hasher, token(hasher), method="POST", body="yes")
        assert not got.unsubscribed
    assert events(engine) == before and reason(engine, hasher) == "consent"
    routing = Routing(systems=["mailer"], honour_within=timedelta(days=10))
    with session_factory(engine).begin() as session:
        got = one_click(
            session,
            hasher,
            token(hasher),
            method="POST",
            body="List-Unsubscribe=One-Click",
            routing=routing,
        )
        assert got.unsubscribed
    assert reason(engine, hasher) == "withdrawn"
    with session_factory(engine)() as session:
        assert session.scalars(sa.select(OptOutPropagationRow.system)).all() == ["mailer"]


def test_tampered_token_changes_nothing(engine: Engine, hasher: Hasher) -> None:
    granted(engine, hasher)
    before = events(engine)
    text = token(hasher)
    with session_factory(engine).begin() as session, pytest.raises(TokenInvalid):
        one_click(
            session, hasher, text[:-3] + "AAA", method="POST", body="List-Unsubscribe=One-Click"
        )
    assert events(engine) == before and reason(engine, hasher) == "consent"


def test_opt_out_in_one_stream_leaves_the_other(engine: Engine, hasher: Hasher) -> None:
    granted(engine, hasher, "residential")
    granted(engine, hasher, "business")
    with session_factory(engine).begin() as session:
        one_click(
            session,
            hasher,
            token(hasher, "business"),
            method="POST",
            body="List-Unsubscribe=One-Click",
        )
    assert reason(engine, hasher, "residential") == "consent"
    assert reason(engine, hasher, "business") == "withdrawn"


def test_opt_out_of_one_address_leaves_another(engine: Engine, hasher: Hasher) -> None:
    granted(engine, hasher)
    with session_factory(engine).begin() as session:
        other = Change(
            "email", "ann@work.example", "grant", "news", "email", "residential", basis="consent"
        )
        record(session, hasher, other)
        record(session, hasher, Change("email", ANN, "withdraw", "news", "email", "residential"))
        kept = decide(session, hasher, "email", "ann@work.example", purpose="news", channel="email")
    assert kept.allowed and reason(engine, hasher) == "withdrawn"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("STOP", "STOP"),
        (" stop. ", "STOP"),
        ("Unsubscribe me", "UNSUBSCRIBE"),
        ("end", "END"),
        ("QUIT", "QUIT"),
        ("cancel", "CANCEL"),
        ("kcom unsubscribe", "KCOM UNSUBSCRIBE"),
        ("KCOM   UNSUBSCRIBE", "KCOM UNSUBSCRIBE"),
        ("stopping by", None),
        ("what time does the shop close", None),
        ("", None),
    ],
)
def test_sms_keywords(text: str, found: str | None) -> None:
    assert keyword(text, ["KCOM UNSUBSCRIBE"]) == found


def test_sms_stop_withdraws_sms_everywhere(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        record(
            session,
            hasher,
            Change("phone", "07911 123456", "grant", "news", "sms", "business", basis="consent"),
        )
        assert sms_received(session, hasher, "+44 7911 123456", "hello") is None
        assert sms_received(session, hasher, "+447911123456", "Stop") is not None
        sms = decide(
            session,
            hasher,
            "phone",
            "07911123456",
            purpose="news",
            channel="sms",
            stream="business",
        )
    assert sms.reason.value == "withdrawn"


def test_gpc_objects_to_targeted_advertising(engine: Engine, hasher: Hasher) -> None:
    with session_factory(engine).begin() as session:
        record(session, hasher, Change("email", ANN, "grant", "news", "social", basis="consent"))
        record(session, hasher, Change("email", ANN, "grant", "news", "email", basis="consent"))
        assert gpc_signal(session, hasher, "email", ANN, {"Sec-GPC": "0"}) == []
        assert len(gpc_signal(session, hasher, "email", ANN, {"sec-gpc": "1"})) == 3
        social = decide(session, hasher, "email", ANN, purpose="news", channel="social")
        email = decide(session, hasher, "email", ANN, purpose="news", channel="email")
    assert social.reason.value == "objected" and email.allowed


def test_objection_is_absolute_until_resubscribed_from_same_address(
    engine: Engine, hasher: Hasher
) -> None:
    granted(engine, hasher)
    with session_factory(engine).begin() as session:
        object_to_marketing(session, hasher, "email", ANN)
        record(
            session,
            hasher,
            Change("email", ANN, "grant", "news", "email", "residential", basis="consent"),
        )
    assert reason(engine, hasher) == "objected"
    grant = Change("email", ANN, "grant", "news", "email", "residential", basis="consent")
    with session_factory(engine).begin() as session, pytest.raises(ResubscribeRefused):
        resubscribe(session, hasher, grant, requested_from=("email", "mallory@example.com"))
    assert reason(engine, hasher) == "objected"
    with session_factory(engine).begin() as session:
        resubscribe(session, hasher, grant, requested_from=("email", " ANN@example.com"))
    assert reason(engine, hasher) == "consent"


def test_restriction_survives_resubscription(engine: Engine, hasher: Hasher) -> None:
    granted(engine, hasher)
    with session_factory(engine).begin() as session:
        suppress(session, hasher, "email", ANN, reason="restriction")
        grant = Change("email", ANN, "grant", "news", "email", "residential", basis="consent")
        resubscribe(session, hasher, grant, requested_from=("email", ANN))
    assert reason(engine, hasher) == "restricted"


def test_pending_until_each_system_confirms(engine: Engine, hasher: Hasher) -> None:
    routing = Routing(systems=["crm", "mailer"], honour_within=timedelta(days=28))
    with session_factory(engine).begin() as session:
        change = Change("email", ANN, "withdraw", "news", "email", "residential")
        event = record(
            session, hasher, change, systems=routing.systems, honour_within=routing.honour_within
        )
    with session_factory(engine).begin() as session:
        assert [(p.system, p.overdue) for p in pending(session)] == [
            ("crm", False),
            ("mailer", False),
        ]
        later = event.at + timedelta(days=29)
        assert all(p.overdue for p in pending(session, later))
        confirm(session, event.id, "crm", "crm-sync")
        with pytest.raises(NotPending):
            confirm(session, event.id, "crm", "crm-sync")
    with session_factory(engine)() as session:
        assert [p.system for p in pending(session)] == ["mailer"]
