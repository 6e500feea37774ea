"""The PostgreSQL connector's own ways: column types with lengths from pg_catalog, kept per
connection; systems on one database sharing a connection."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pledge.connectors import Select, connect
from pledge.connectors.base import Connector
from pledge.connectors.postgres import PostgresConnector
from pledge.declaration.model import System

pytestmark = pytest.mark.postgres


def _system(url: str) -> System:
    return System.model_validate({"connection": url, "datasets": {}})


def test_columns_carry_lengths_and_tables_made_later_are_found(postgres_url: str) -> None:
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("CREATE TABLE a (id bigint PRIMARY KEY, code varchar(36), note text)")
    conn = PostgresConnector("crm", postgres_url)
    try:
        assert conn.columns("a") == {
            "id": "bigint",
            "code": "character varying(36)",
            "note": "text",
        }
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute("CREATE TABLE b (n integer)")
        assert conn.columns("b") == {"n": "integer"}
        assert conn.columns("missing") == {}
    finally:
        conn.close()


def test_systems_on_one_database_share_a_connection(postgres_url: str, tmp_path: Path) -> None:
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("CREATE TABLE t (id integer PRIMARY KEY)")
        db.execute("INSERT INTO t SELECT generate_series(1, 3)")
    servers: dict[str, Connector] = {}
    system = _system(postgres_url)
    first = connect("crm", system, environ={}, folder=tmp_path, servers=servers)
    second = connect("billing", system, environ={}, folder=tmp_path, servers=servers)
    assert isinstance(first, PostgresConnector) and isinstance(second, PostgresConnector)
    assert first._db is second._db and second.system == "billing"
    first.close()
    rows = [r for batch in second.read(Select("t", "id", [2, 3])) for r in batch]
    assert sorted(r["id"] for r in rows) == [2, 3]
    second.close()
    assert second._db.closed
