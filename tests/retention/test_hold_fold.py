"""A subject hold keeps exactly the rows a request for that person finds, on every engine.

The held person's email is compared as the connectors compare it (``sql.fold``: case does not
count, accents do), every other identity byte for byte, whatever the column's collation. The
columns are made to tempt the engine into another answer: NOCASE on SQLite (whose lower()
folds only A-Z), an ICU collation blind to case and accents on PostgreSQL, and
utf8mb4_general_ci (case- and accent-blind, trailing spaces ignored) on MariaDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import sqlalchemy as sa

from pledge.connectors import Select, connect
from pledge.declaration import Declaration, load_text
from pledge.retention import service
from pledge.retention.sweep import Outcome
from pledge.rules.retention import Hold
from tests.retention import world

OLD = world.NOW.replace(tzinfo=None) - timedelta(days=800)
RECENT = world.NOW.replace(tzinfo=None) - timedelta(days=10)

#: id → (email, account number, joined): old rows outlive the rule, recent ones do not.
ROWS: dict[int, tuple[str | None, str | None, datetime]] = {
    1: ("JOSÉ.GARCÍA@X.UK", "M1", OLD),  # the held person, in capitals: kept
    2: ("jose.garcia@x.uk", "M2", OLD),  # another address without the accents: goes
    3: ("someone.else@x.uk", "M3", OLD),  # another person: goes
    4: ("josé.garcía@x.uk", "M4", RECENT),  # the held person, not expired: stays anyway
    5: (None, None, OLD),  # no identity at all: cannot be anyone's, goes
    6: ("ИВАНОВПЕТРОВ@x.ru", "M6", OLD),  # held; more spellings than SQLite is sent
    7: ("joan@x.uk", "AB12", OLD),  # the held account: kept
    8: ("joan.b@x.uk", "ab12", OLD),  # another account (other case): goes
    9: ("joan.c@x.uk", "AB12 ", OLD),  # another account (trailing space): goes
}
EMAIL_HOLDS = [
    Hold(1, "employment tribunal", "hr@test.example", identity="email", value="josé.garcía@x.uk"),
    Hold(2, "fraud inquiry", "dpo@test.example", identity="email", value="ивановпетров@x.ru"),
]
ACCOUNT_HOLD = Hold(
    3, "billing dispute", "dpo@test.example", identity="account_number", value="AB12"
)
OLD_IDS = {n for n, (_, _, joined) in ROWS.items() if joined == OLD}

DECLARATION = """
controller: {{name: Test Club Ltd, address: 1 Quay Street Hull}}
systems:
  club:
    connection: {url}
    datasets:
      member:
        fields:
          id: {{primary_key: true}}
          email: {{identity: email, categories: [user.contact.email]}}
          code: {{identity: account_number}}
          joined_at: {{}}
retention:
  members: {{dataset: club.member, keep: 12 months, from: joined_at, then: {then}}}
"""


def _declaration(url: str, then: str = "delete") -> Declaration:
    return load_text(DECLARATION.format(url=url, then=then)).declaration


def _build(engine: sa.Engine) -> None:
    """The member table, its text columns in a collation that ignores case (and accents)."""
    kind = engine.dialect.name
    with engine.begin() as connection:
        if kind == "sqlite":
            text = "TEXT COLLATE NOCASE"
            joined = "TIMESTAMP"
        elif kind == "postgresql":
            connection.exec_driver_sql(
                "CREATE COLLATION blind (provider = icu, locale = 'und-u-ks-level1', "
                "deterministic = false)"
            )
            text, joined = "text COLLATE blind", "timestamp"
        else:
            text = "varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            joined = "datetime"
        connection.exec_driver_sql(
            f"CREATE TABLE member (id integer PRIMARY KEY, email {text}, code {text}, "
            f"joined_at {joined} NOT NULL)"
        )
        table = sa.table(
            "member",
            sa.column("id", sa.Integer),
            sa.column("email", sa.String),
            sa.column("code", sa.String),
            sa.column("joined_at", sa.DateTime),
        )
        connection.execute(
            table.insert(),
            [
                {"id": n, "email": email, "code": code, "joined_at": joined}
                for n, (email, code, joined) in ROWS.items()
            ],
        )
    if kind == "mysql":
        # The premise: this column's own comparison ignores accents, case and trailing spaces.
        with engine.connect() as connection:
            blind = connection.exec_driver_sql(
                "SELECT id FROM member WHERE email = 'jose.garcia@x.uk' OR code = 'ab12'"
            )
            assert set(blind.scalars()) == {1, 2, 4, 7, 8, 9}


def _ids(engine: sa.Engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.exec_driver_sql("SELECT id FROM member").scalars())


def _found(url: str, column: str, values: Sequence[str], *, fold_case: bool) -> set[int]:
    """What a request for ``values`` finds through the connectors."""
    url = url.replace("postgresql+psycopg://", "postgresql://")
    declaration = _declaration(url)
    connector = connect("club", declaration.systems["club"], environ={}, folder=Path())
    try:
        query = Select("member", column, list(values), ["id"], fold_case=fold_case)
        return {int(row["id"]) for batch in connector.read(query) for row in batch}
    finally:
        connector.close()


def _sweep(engine: sa.Engine, url: str, holds: Sequence[Hold]) -> tuple[int, int, Outcome]:
    declaration = _declaration(url)
    (line,) = service.plan(declaration, lambda _: engine, world.NOW, holds)
    assert line.problem is None and line.preview is not None
    (outcome,) = service.run(declaration, lambda _: engine, world.NOW, holds, batch_size=2)
    assert outcome.complete, outcome.error
    return line.preview.eligible, line.preview.held_back, outcome


def test_an_email_hold_keeps_the_person_in_any_case_and_no_other_accent(
    source_url: str,
) -> None:
    engine = sa.create_engine(source_url)
    try:
        _build(engine)
        eligible, held_back, outcome = _sweep(engine, source_url, EMAIL_HOLDS)
        left = _ids(engine)
    finally:
        engine.dispose()
    assert left == {1, 4, 6}
    assert (eligible, held_back, outcome.changed) == (len(OLD_IDS) - 2, 2, len(OLD_IDS) - 2)
    # Exactly the old rows that a request for the held people finds.
    held = _found(source_url, "email", [h.value or "" for h in EMAIL_HOLDS], fold_case=True)
    assert held == {1, 4, 6}
    assert left & OLD_IDS == held & OLD_IDS


def test_any_other_identity_is_held_byte_for_byte(source_url: str) -> None:
    engine = sa.create_engine(source_url)
    try:
        _build(engine)
        eligible, held_back, outcome = _sweep(engine, source_url, [ACCOUNT_HOLD])
        left = _ids(engine)
    finally:
        engine.dispose()
    assert left == {4, 7}
    assert (eligible, held_back, outcome.changed) == (len(OLD_IDS) - 1, 1, len(OLD_IDS) - 1)
    assert _found(source_url, "code", ["AB12"], fold_case=False) == {7}


def test_held_rows_are_neither_archived_to_parquet_nor_expired_there(
    source_url: str, tmp_path: Path
) -> None:
    engine = sa.create_engine(source_url)
    declaration = load_text(
        DECLARATION.format(
            url=source_url, then="archive, archive: {to: 'parquet:vault', keep: 30 days}"
        )
    ).declaration
    holds = [*EMAIL_HOLDS, ACCOUNT_HOLD]

    def run(now: datetime, holds: Sequence[Hold]) -> list[Outcome]:
        outcomes = service.run(declaration, lambda _: engine, now, holds, folder=tmp_path)
        assert all(o.complete for o in outcomes), [o.error for o in outcomes]
        return outcomes

    def archived() -> set[int]:
        file = tmp_path / "vault" / "member.parquet"
        with duckdb.connect() as duck:
            rows = duck.execute("SELECT id FROM read_parquet(?)", [str(file)]).fetchall()
        return {int(row[0]) for row in rows}

    try:
        _build(engine)
        # Under the holds, the held rows stay where they are; the others move to the archive.
        run(world.NOW, holds)
        assert _ids(engine) == {1, 4, 6, 7}
        assert archived() == OLD_IDS - {1, 6, 7}
        # Without them, the rest moves too; once the archive period ends, the holds (placed
        # again) keep exactly their rows in the archive file.
        run(world.NOW, [])
        assert archived() == OLD_IDS
        later = world.NOW + timedelta(days=31)
        (line,) = [p for p in service.plan(declaration, lambda _: engine, later, holds,
                                           folder=tmp_path) if p.step.in_parquet]  # fmt: skip
        assert line.preview is not None
        assert (line.preview.eligible, line.preview.held_back) == (len(OLD_IDS) - 3, 3)
        _, expiry = run(later, holds)
        assert expiry.changed == len(OLD_IDS) - 3
        assert archived() == {1, 6, 7}
    finally:
        engine.dispose()
