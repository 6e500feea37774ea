"""One comparison of identity values on every engine.

The same small table, full of values that collations and lower() disagree about, is built in
SQLite, PostgreSQL (a database whose collation and ctype are "C", so its own lower() folds
only ASCII, and columns with a nondeterministic ICU collation that ignores case and
accents), MariaDB (columns in utf8mb4_general_ci, which ignores case and accents) and DuckDB
(a Parquet file). Every engine must return exactly the rows that the Python reference says:
emails equal under ``sql.fold``, everything else equal byte for byte.
"""

# ruff: noqa: RUF001, RUF003 (Greek, Cyrillic and dotless letters that look Latin, on purpose)

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.connectors import Connector, Delete, Select, Update, connect, sql
from pledge.connectors.urls import parse_server
from pledge.declaration.model import System
from tests.fixtures import servers

ENGINES = ["sqlite", "postgres", "mariadb", "duckdb"]

EMAILS = [
    "JOSÉ.GARCÍA@x.uk",
    "josé.garcía@x.uk",
    "José.García@X.UK",
    "jose.garcia@x.uk",
    "JOSE.GARCIA@X.UK",
    "jose.garcia@x.uk ",  # a trailing space is another address
    "josè.garcia@x.uk",  # another accent, another address
    "STRAẞE@x.de",
    "straße@x.de",
    "strasse@x.de",
    "STRASSE@x.de",
    "İSTANBUL@x.tr",
    "istanbul@x.tr",
    "ISTANBUL@x.tr",
    "\u0131stanbul@x.tr",  # dotless i: another letter
    "ΟΔΥΣΣΕΥΣ@x.gr",
    "οδυσσευς@x.gr",  # final sigma as stored: another spelling than σ
    "οδυσσευσ@x.gr",
    "ΆΝΝΑ@x.gr",
    "άννα@x.gr",
    "αννα@x.gr",
    "ИВАН@x.ru",
    "иван@x.ru",
    "Иван@x.ru",
    "ИВАНОВПЕТРОВ@x.ru",  # more spellings than SQLite is sent: compared by fold() there
    "ивановпетров@x.ru",
    "\u212aate@x.uk",  # Kelvin sign
    "kate@x.uk",
    "KATE@x.uk",
    "ǄEMAL@x.ba",
    "ǅemal@x.ba",
    "ǆemal@x.ba",
    "O'Brien%_@x.ie",  # LIKE and format markers are plain characters
]
CODES = [
    "AB12",
    "ab12",
    "Ab12",
    "AB12 ",
    "ÀB12",
    "ß1",
    "ss1",
    "SS1",
    "ẞ1",
    "İ1",
    "I1",
    "i1",
    "ΣΑ",
    "σα",
    "ЯК",
    "як",
    "50%",
]
ROWS: list[tuple[int, str | None, str | None]] = [
    (n, EMAILS[n] if n < len(EMAILS) else None, CODES[n] if n < len(CODES) else None)
    for n in range(max(len(EMAILS), len(CODES)))
]
EMAIL_PROBES = [*EMAILS, "Jose.Garcia@x.UK", "Straße@X.DE", "οδυσσευς@x.gr".upper(), "nobody@x.uk"]
CODE_PROBES = [*CODES, "aB12", "AB12  ", "SS1".lower(), "nothing"]


def expected_emails(
    probe: str, rows: Sequence[tuple[int, str | None, str | None]] = ROWS
) -> set[int]:
    return {n for n, email, _ in rows if email is not None and sql.fold(email) == sql.fold(probe)}


def expected_codes(probe: str) -> set[int]:
    return {n for n, _, code in ROWS if code == probe}


# -- building the table on each engine -----------------------------------------------------


def _sqlite(folder: Path, rows: list[tuple[int, str | None, str | None]]) -> str:
    with sqlite3.connect(folder / "people.sqlite") as db:
        # NOCASE on purpose: the comparison must not follow the column's collation.
        db.execute(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE, "
            "code TEXT COLLATE NOCASE)"
        )
        db.executemany("INSERT INTO people VALUES (?, ?, ?)", rows)
    db.close()
    return "sqlite:///people.sqlite"


def _duckdb(folder: Path, rows: list[tuple[int, str | None, str | None]]) -> str:
    data = folder / "data"
    data.mkdir()
    with duckdb.connect() as db:
        db.execute("CREATE TABLE people (id INTEGER, email VARCHAR, code VARCHAR)")
        db.executemany("INSERT INTO people VALUES (?, ?, ?)", rows)
        db.execute(f"COPY people TO '{data / 'people.parquet'}' (FORMAT parquet)")
    return "duckdb:///data"


def _postgres(url: str, rows: list[tuple[int, str | None, str | None]]) -> str:
    url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as db:
        # Ignores case and accents (ICU level 1): only an explicit comparison can be exact.
        db.execute(
            "CREATE COLLATION anything_goes "
            "(provider = icu, locale = 'und-u-ks-level1', deterministic = false)"
        )
        db.execute(
            "CREATE TABLE people (id integer PRIMARY KEY, "
            'email text COLLATE anything_goes, code varchar(20) COLLATE "anything_goes")'
        )
        with db.cursor() as cursor:
            cursor.executemany("INSERT INTO people VALUES (%s, %s, %s)", rows)
    return url


def _mariadb(url: str, rows: list[tuple[int, str | None, str | None]]) -> str:
    server = parse_server("test", url)
    db = pymysql.connect(
        host=server.host,
        port=server.port or 3306,
        user=server.user or "",
        database=server.database,
        charset="utf8mb4",
    )
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE people (id int PRIMARY KEY, email varchar(100), code varchar(20), "
            "KEY (email), KEY (code)) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        )
        cursor.executemany("INSERT INTO people VALUES (%s, %s, %s)", rows)
    db.commit()
    db.close()
    return url


@pytest.fixture(scope="module")
def c_postgres() -> Iterator[Callable[[], str]]:
    """New PostgreSQL databases whose collation and ctype are "C": lower() there folds ASCII."""
    yield from servers._fresh_database(
        servers.POSTGRES_ADMIN,
        lambda n: (
            f"CREATE DATABASE \"{n}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        ),
        lambda n: f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)',
        "PostgreSQL",
    )


Build = Callable[[str, list[tuple[int, str | None, str | None]]], Connector]


@pytest.fixture(scope="module")
def build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Build]:
    """Call it with an engine and rows: the people table there, and an open connector."""
    opened: list[Connector] = []

    def make(engine: str, rows: list[tuple[int, str | None, str | None]]) -> Connector:
        folder = tmp_path_factory.mktemp(engine)
        if engine == "sqlite":
            url = _sqlite(folder, rows)
        elif engine == "duckdb":
            url = _duckdb(folder, rows)
        elif engine == "postgres":
            url = _postgres(request.getfixturevalue("c_postgres")(), rows)
        else:
            url = _mariadb(request.getfixturevalue("mariadb_database")(), rows)
        connector = connect(
            "people", System(connection=url, datasets={}), environ={}, folder=folder
        )
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        connector.close()


@pytest.fixture(scope="module")
def people(build: Build) -> Callable[[str], Connector]:
    """The corpus table on an engine, built once per module."""
    made: dict[str, Connector] = {}

    def on(engine: str) -> Connector:
        if engine not in made:
            made[engine] = build(engine, ROWS)
        return made[engine]

    return on


def ids(connector: Connector, query: Select) -> set[int]:
    return {int(row["id"]) for batch in connector.read(query) for row in batch}


def answers(connector: Connector) -> dict[tuple[str, str], set[int]]:
    out = {
        ("email", p): ids(connector, Select("people", "email", [p], ["id"], fold_case=True))
        for p in EMAIL_PROBES
    }
    out.update(
        {("code", p): ids(connector, Select("people", "code", [p], ["id"])) for p in CODE_PROBES}
    )
    return out


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_every_probe_finds_exactly_the_rows_fold_says(
    engine: str, people: Callable[[str], Connector]
) -> None:
    connector = people(engine)
    wrong = {
        probe: (found, expected_emails(probe))
        for (kind, probe), found in answers(connector).items()
        if kind == "email" and found != expected_emails(probe)
    }
    assert wrong == {}
    # The accent-insensitive MariaDB collation used to make these one address.
    assert expected_emails("jose.garcia@x.uk") == {3, 4}


@pytest.mark.parametrize("engine", ENGINES)
def test_other_identities_compare_byte_for_byte(
    engine: str, people: Callable[[str], Connector]
) -> None:
    connector = people(engine)
    wrong = {
        probe: (found, expected_codes(probe))
        for (kind, probe), found in answers(connector).items()
        if kind == "code" and found != expected_codes(probe)
    }
    assert wrong == {}
    assert ids(connector, Select("people", "code", ["AB12"], ["id"])) == {0}


@pytest.mark.parametrize("engine", ENGINES)
def test_one_batch_of_every_probe_finds_their_union(
    engine: str, people: Callable[[str], Connector]
) -> None:
    connector = people(engine)
    everyone = set().union(*(expected_emails(p) for p in EMAIL_PROBES))
    query = Select("people", "email", EMAIL_PROBES, ["id"], fold_case=True)
    assert ids(connector, query) == everyone
    assert len(everyone) == len(EMAILS)


def test_all_four_engines_agree(people: Callable[[str], Connector]) -> None:
    found = {engine: answers(people(engine)) for engine in ENGINES}
    first = found["sqlite"]
    assert all(found[engine] == first for engine in ENGINES)
    assert first[("email", "straße@x.de")] == {7, 8}  # ẞ and ß; never "strasse"


@pytest.mark.parametrize("engine", ENGINES)
def test_writes_match_the_same_rows(engine: str, build: Build) -> None:
    connector = build(engine, ROWS)
    counts = connector.execute(
        [
            Update("people", "email", ["José.García@x.uk"], {"code": "X"}, fold_case=True),
            Delete("people", "code", ["SS1"]),
            Delete("people", "email", ["İSTANBUL@X.TR"], fold_case=True),
        ]
    )
    assert counts == [
        len(expected_emails("josé.garcía@x.uk")),
        1,
        len(expected_emails("istanbul@x.tr")),
    ]
    rest = {
        int(row["id"]): row["code"]
        for batch in connector.read(Select("people", "id", [n for n, _, _ in ROWS], ["id", "code"]))
        for row in batch
    }
    gone = {7} | expected_emails("istanbul@x.tr")
    assert set(rest) == {n for n, _, _ in ROWS} - gone
    assert {n for n, code in rest.items() if code == "X"} == expected_emails("josé.garcía@x.uk")


# -- every code point ----------------------------------------------------------------------

#: Every code point a string can hold (surrogates cannot be stored; NUL not in PostgreSQL).
POINTS = [p for p in range(1, 0x110000) if not 0xD800 <= p <= 0xDFFF]


def _changed_by_fold() -> dict[int, str]:
    return {p: sql.fold(chr(p)) for p in POINTS if sql.fold(chr(p)) != chr(p)}


def test_postgres_folds_every_code_point_as_python(c_postgres: Callable[[], str]) -> None:
    url = c_postgres().replace("postgresql+psycopg://", "postgresql://")
    folded = sql.POSTGRES.folded.format('"c"')
    with psycopg.connect(url) as db:
        rows = db.execute(
            f"SELECT p, {folded} FROM (SELECT p, chr(p) AS c FROM generate_series(1, 1114111) p "
            f"WHERE p NOT BETWEEN 55296 AND 57343) s WHERE {folded} <> c"
        ).fetchall()
    assert dict(rows) == _changed_by_fold()


def test_mariadb_folds_every_code_point_as_python(mariadb_url: str) -> None:
    connector = connect("m", System(connection=mariadb_url, datasets={}), environ={}, folder=Path())
    try:
        dialect = connector.dialect
    finally:
        connector.close()
    if dialect is not sql.MYSQL:
        pytest.skip("this server has no UCA 14.0 collation (MariaDB 10.10 and later have one)")
    server = parse_server("test", mariadb_url)
    db = pymysql.connect(
        host=server.host,
        port=server.port or 3306,
        user=server.user or "",
        database=server.database,
        charset="utf8mb4",
    )
    folded = dialect.folded.format("c")
    try:
        with db.cursor() as cursor:
            cursor.execute(
                f"SELECT seq, {folded} FROM (SELECT seq, "
                "CONVERT(CHAR(seq USING utf32) USING utf8mb4) AS c FROM seq_1_to_1114111 "
                f"WHERE seq NOT BETWEEN 55296 AND 57343) s WHERE {folded} <> CAST(c AS BINARY)"
            )
            rows = {int(p): bytes(text).decode() for p, text in cursor.fetchall()}
    finally:
        db.close()
    assert rows == _changed_by_fold()


def test_duckdb_folds_every_code_point_as_python() -> None:
    folded = sql.DUCKDB.folded.format('"c"')
    points = (
        "(SELECT range AS p FROM range(1, 55296) UNION ALL SELECT range FROM range(57344, 1114112))"
    )
    with duckdb.connect() as db:
        rows = db.execute(
            f"SELECT p, {folded} FROM (SELECT p, chr(p::INTEGER) AS c FROM {points}) s "
            f"WHERE {folded} <> c"
        ).fetchall()
    assert dict(rows) == _changed_by_fold()


def test_sqlite_lowers_every_code_point_to_one_of_its_spellings() -> None:
    folded = sql.SQLITE.folded.format('"c"')
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE TABLE points (p INTEGER, c TEXT)")
        db.executemany("INSERT INTO points VALUES (?, ?)", ((p, chr(p)) for p in POINTS))
        lowered = dict(db.execute(f"SELECT p, {folded} FROM points WHERE {folded} <> c"))
    finally:
        db.close()
    assert set(lowered) == {*range(65, 91), 0x130, 0x212A}  # A-Z, İ and the Kelvin sign
    for p in {*lowered, *_changed_by_fold()}:
        spelt = sql.spellings(sql.fold(chr(p)))
        assert spelt is not None
        assert lowered.get(p, chr(p)) in spelt


# -- random text ---------------------------------------------------------------------------

TRICKY = "AaÉéÈİıIiΣσςẞßSsKk\u212aΩω\u2126ǄǅǆИиЁё"
letters = st.one_of(
    st.sampled_from(TRICKY),
    st.characters(codec="utf-8", exclude_characters="\x00"),  # no surrogates, no NUL
)
words = st.text(letters, min_size=0, max_size=8)
changes: list[Callable[[str], str]] = [str, str.upper, str.lower, str.swapcase, str.title]


@st.composite
def stored_and_probe(draw: st.DrawFn) -> tuple[list[str], str]:
    stored = draw(st.lists(words, min_size=1, max_size=6))
    if draw(st.booleans()):
        probe = draw(st.sampled_from(changes))(draw(st.sampled_from(stored)))
    else:
        probe = draw(words)
    return stored, probe


def _refill(connector: Connector, engine: str, stored: list[str]) -> None:
    rows = [(n, text, text) for n, text in enumerate(stored)]
    if engine == "sqlite":
        db: Any = connector._db  # type: ignore[attr-defined]
        db.execute("DELETE FROM people")
        db.executemany("INSERT INTO people VALUES (?, ?, ?)", rows)
    else:
        with connector._db.transaction(), connector._db.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("DELETE FROM people")
            cursor.executemany("INSERT INTO people VALUES (%s, %s, %s)", rows)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_random_text_matches_as_fold_says(engine: str, build: Build) -> None:
    connector = build(engine, [])

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(stored_and_probe())
    def check(case: tuple[list[str], str]) -> None:
        stored, probe = case
        _refill(connector, engine, stored)
        rows = [(n, text, text) for n, text in enumerate(stored)]
        by_fold = ids(connector, Select("people", "email", [probe], ["id"], fold_case=True))
        assert by_fold == expected_emails(probe, rows)
        exact = ids(connector, Select("people", "code", [probe], ["id"]))
        assert exact == {n for n, text in enumerate(stored) if text == probe}

    check()
