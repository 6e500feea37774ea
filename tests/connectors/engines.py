"""Real engines holding one ``calls`` table, for the connector tests: each param of the
``make_calls`` fixture builds the same rows in a different kind of system.

Server engines come from tests.fixtures.servers and skip when their server is absent.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import psycopg
import pymysql
import pytest

from pledge.connectors import Connector, connect
from pledge.declaration.model import System

CallRow = tuple[int, str, str | None, str | None]
MakeCalls = Callable[[list[CallRow]], Connector]
COLUMNS = ("id", "account", "email", "full name%")  # an odd column name on purpose
ENGINES = ["sqlite", "duckdb-parquet", "duckdb-csv", "postgres", "mariadb"]


def small() -> list[CallRow]:
    """Ten rows over four accounts; emails in mixed case as people type them."""
    return [(i, f"A{i % 4}", f"Person{i}@Example.UK", f"Name {i}") for i in range(1, 11)]


def big(count: int, account: str = "BIG", start: int = 1000) -> list[CallRow]:
    return [(start + i, account, None, None) for i in range(count)]


def _write_csv(path: Path, rows: list[CallRow]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def _sqlite(folder: Path, rows: list[CallRow]) -> str:
    with sqlite3.connect(folder / "net.sqlite") as db:
        db.execute(
            "CREATE TABLE calls (id INTEGER PRIMARY KEY, account TEXT, email TEXT, "
            '"full name%" TEXT)'
        )
        db.executemany("INSERT INTO calls VALUES (?, ?, ?, ?)", rows)
    db.close()
    return "sqlite:///net.sqlite"


def _duckdb(folder: Path, rows: list[CallRow], suffix: str) -> str:
    data = folder / "data"
    data.mkdir()
    _write_csv(data / "calls.csv", rows)
    if suffix == ".parquet":
        source = data / "calls.csv"
        with duckdb.connect() as db:
            db.execute(
                f"COPY (SELECT * FROM read_csv('{source}', header = true, columns = "
                "{'id': 'BIGINT', 'account': 'VARCHAR', 'email': 'VARCHAR', "
                "'full name%': 'VARCHAR'})) "
                f"TO '{data / 'calls.parquet'}' (FORMAT parquet)"
            )
        source.unlink()
    return "duckdb:///data"


def _postgres(url: str, rows: list[CallRow]) -> str:
    url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as db:
        db.execute(
            "CREATE TABLE calls (id integer PRIMARY KEY, account varchar(20), email text, "
            '"full name%" text)'
        )
        with db.cursor().copy('COPY calls (id, account, email, "full name%") FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    return url


def _mariadb(url: str, rows: list[CallRow]) -> str:
    from pledge.connectors.urls import parse_server

    server = parse_server("test", url)
    db = pymysql.connect(
        host=server.host, port=server.port or 3306, user=server.user or "", database=server.database
    )
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE calls (id int PRIMARY KEY, account varchar(20), email varchar(100), "
            "`full name%` varchar(100))"
        )
        cursor.executemany("INSERT INTO calls VALUES (%s, %s, %s, %s)", rows)
    db.commit()
    db.close()
    return url


@pytest.fixture(params=ENGINES)
def make_calls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeCalls]:
    """Call it with rows: it builds ``calls`` in this param's engine and returns a connector."""
    engine: str = request.param
    opened: list[Connector] = []

    def make(rows: list[CallRow]) -> Connector:
        if engine == "sqlite":
            url = _sqlite(tmp_path, rows)
        elif engine.startswith("duckdb"):
            url = _duckdb(tmp_path, rows, ".parquet" if engine.endswith("parquet") else ".csv")
        elif engine == "postgres":
            url = _postgres(request.getfixturevalue("postgres_url"), rows)
        else:
            url = _mariadb(request.getfixturevalue("mariadb_url"), rows)
        connector = connect(
            "network", System(connection=url, datasets={}), environ={}, folder=tmp_path
        )
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        connector.close()
