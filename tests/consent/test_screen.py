"""Screening a generated audience: every row's reason is the one ``may_contact`` gives."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from pledge.consent.audience import AudienceError
from pledge.consent.decide import decide
from pledge.consent.ledger import Change, record
from pledge.consent.screen import Campaign, hash_sql, key_sql, screen
from pledge.consent.sources import refresh
from pledge.consent.suppression import suppress
from pledge.rules.consent import Channel, SoftOptIn
from pledge.store.consent_tables import RegisterNumberRow
from pledge.store.database import session_factory
from pledge.subjects.hashing import Hasher

SALE = SoftOptIn(True, True, True)
NOT_SALE = SoftOptIn(False, True, True)


def populate(
    engine: Engine, hasher: Hasher, people: int, seed: int, uniform: bool = False
) -> list[dict[str, str]]:
    """Give each person a random mix of facts; return the audience rows.

    ``uniform`` keeps every state on purpose ``news`` and stream ``*``, objections included:
    then no identity has two states a campaign matches, and screening skips reducing them.
    """
    chance = random.Random(seed)
    rows = []
    with session_factory(engine).begin() as session:
        for n in range(people):
            email = f"Person{n}@Example.com " if n % 7 else f"not-an-address-{n}"
            phone = f"07911 {n:06d}" if n % 11 else "12"
            for kind, value, channel in (("email", email, "email"), ("phone", phone, "phone")):
                if not (n % 7 and n % 11):
                    continue
                action = chance.choice(["none", "grant", "grant", "withdraw"])
                stream = "*" if uniform else chance.choice(["residential", "business", "*"])
                purpose = "news" if uniform else chance.choice(["news", "*"])
                # A grant for every channel ("*") as well as the channel's own, sometimes.
                on = "*" if not uniform and chance.random() < 0.2 else channel
                if action != "none":
                    basis = chance.choice(["consent", "soft-opt-in", "specific-agreement"])
                    soft = chance.choice([SALE, NOT_SALE]) if basis == "soft-opt-in" else None
                    change = Change(kind, value, action, purpose, on, stream, basis, soft)
                    record(session, hasher, change)
                if chance.random() < 0.1:
                    where = ("news", channel, "*") if uniform else ()
                    record(session, hasher, Change(kind, value, "object", *where))
                    if chance.random() < 0.3:
                        # The objection lifted again: a "cleared" state, which grants nothing.
                        record(session, hasher, Change(kind, value, "lift-objection", *where))
                if chance.random() < 0.15:
                    reason = chance.choice(["opt-out", "erasure", "restriction"])
                    suppress(session, hasher, kind, value, reason=reason)
            if n % 11 and chance.random() < 0.3:
                register = chance.choice(["tps", "ctps"])
                session.add(RegisterNumberRow(register=register, number=f"+447911{n:06d}"))
            rows.append({"id": f"C{n:05d}", "email": email, "phone": phone})
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("channel", ["email", "phone", "sms"])
@pytest.mark.parametrize(
    ("stream", "uniform"),
    [("residential", False), (None, False), (None, True), ("residential", True)],
)
def test_every_row_gets_may_contacts_reason(
    engine: Engine,
    hasher: Hasher,
    tmp_path: Path,
    channel: Channel,
    stream: str | None,
    uniform: bool,
) -> None:
    seed = len(channel) + len(stream or "")
    audience = populate(engine, hasher, people=150, seed=seed, uniform=uniform)
    path = tmp_path / "audience.csv"
    write_csv(path, audience)
    campaign = Campaign(channel, "news", stream)
    connection = duckdb.connect()
    with engine.connect() as store:
        refresh(store, connection)
    outcome = screen(connection, path, campaign, hasher)
    allowed, excluded = read_csv(outcome.allowed_path), read_csv(outcome.excluded_path)
    assert len(allowed) + len(excluded) == len(audience)
    assert [row["id"] for row in allowed] == sorted(row["id"] for row in allowed)
    got = {row["id"]: row["reason"] for row in allowed + excluded}
    column = "email" if channel == "email" else "phone"
    with session_factory(engine)() as session:
        for row in audience:
            expected = decide(
                session, hasher, column, row[column], purpose="news", channel=channel, stream=stream
            )
            assert got[row["id"]] == expected.reason.value, row
    assert {row["reason"] for row in excluded} >= {"invalid-identifier", "no-consent"}
    assert outcome.allowed == len(allowed) and outcome.excluded == len(excluded)


def test_parquet_in_parquet_out(engine: Engine, hasher: Hasher, tmp_path: Path) -> None:
    path = tmp_path / "audience.parquet"
    duckdb.execute(f"COPY (SELECT 'C1' AS id, 'a@b.example' AS email, 'x' AS segment) TO '{path}'")
    connection = duckdb.connect()
    with engine.connect() as store:
        refresh(store, connection)
    outcome = screen(connection, path, Campaign("email", "news"), hasher, carry=["segment"])
    rows = duckdb.execute(f"SELECT * FROM '{outcome.excluded_path}'").fetchall()
    assert rows == [("C1", "a@b.example", "x", "no-consent")]


@pytest.mark.parametrize(
    ("header", "channel", "message"),
    [
        ("id,emial", "email", "missing column(s) email"),
        ("id,emial", "email", "unknown column(s) emial"),
        ("email", "email", "missing column(s) id"),
        ("id,email", "phone", "missing column(s) phone"),
        ("id,phone,reason", "phone", "reserved"),
    ],
)
def test_bad_columns_are_named(tmp_path: Path, header: str, channel: str, message: str) -> None:
    path = tmp_path / "audience.csv"
    path.write_text(header + "\n" + ",".join("x" for _ in header.split(",")) + "\n")
    connection = duckdb.connect()
    with pytest.raises(AudienceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        screen(connection, path, Campaign(channel, "news"), Hasher(b"k"))


@settings(max_examples=50, deadline=None)
@given(value=st.text(min_size=1), key=st.binary(min_size=1, max_size=100))
def test_sql_hash_is_pythons(value: str, key: bytes) -> None:
    hasher = Hasher(key)
    sql = f"SELECT {hash_sql('email', '$v')}, {key_sql(hash_sql('email', '$v'))} FROM "
    sql += "(SELECT $k::BLOB AS k)"
    found = duckdb.execute(sql, {"v": value, "k": hasher.identity_key}).fetchone()
    assert found is not None
    expected = hasher.hash("email", value)
    assert found == (expected, int(expected[:32], 16))


def test_post_is_matched_on_the_customer_id(engine: Engine, hasher: Hasher, tmp_path: Path) -> None:
    with session_factory(engine).begin() as session:
        record(
            session, hasher, Change("customer_id", "C1", "grant", "news", "post", basis="consent")
        )
        record(
            session, hasher, Change("customer_id", "C3", "grant", "news", "post", basis="consent")
        )
        suppress(session, hasher, "customer_id", "C3", reason="erasure")
    path = tmp_path / "post.csv"
    write_csv(path, [{"id": f" C{n} ", "email": ""} for n in (1, 2, 3)] + [{"id": "", "email": ""}])
    connection = duckdb.connect()
    with engine.connect() as store:
        refresh(store, connection)
    outcome = screen(connection, path, Campaign("post", "news"), hasher)
    assert outcome.counts == {
        "consent": 1,
        "no-consent": 1,
        "erased": 1,
        "invalid-identifier": 1,
    }


def test_only_the_declared_registers_are_screened(
    engine: Engine, hasher: Hasher, tmp_path: Path
) -> None:
    with session_factory(engine).begin() as session:
        for number in ("07911000001", "07911000002"):
            change = Change("phone", number, "grant", "news", "phone", basis="consent")
            record(session, hasher, change)
        session.add(RegisterNumberRow(register="tps", number="+447911000001"))
        session.add(RegisterNumberRow(register="ctps", number="+447911000002"))
    path = tmp_path / "calls.csv"
    write_csv(path, [{"id": "A", "phone": "07911000001"}, {"id": "B", "phone": "07911000002"}])
    connection = duckdb.connect()
    with engine.connect() as store:
        refresh(store, connection)
    # A declaration that screens TPS only (no business numbers called): CTPS is not consulted.
    outcome = screen(connection, path, Campaign("phone", "news", registers=("tps",)), hasher)
    got = {row["id"]: row["reason"] for row in read_csv(outcome.allowed_path)}
    got |= {row["id"]: row["reason"] for row in read_csv(outcome.excluded_path)}
    assert got == {"A": "tps", "B": "consent"}
