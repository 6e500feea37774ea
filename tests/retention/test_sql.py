"""The sweep's statements, compiled without a server: keyset batches, ranges, no key lists."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from pledge.retention import sql
from pledge.rules.retention import steps
from tests.retention import world

# Engines are only made for their dialects: nothing connects.
DIALECTS = {
    "postgresql": sa.create_engine("postgresql+psycopg://").dialect,
    "mysql": sa.create_engine("mysql+pymysql://").dialect,
    "sqlite": sa.create_engine("sqlite://").dialect,
}
(CDR,) = steps(world.declaration("sqlite:///x"), world.NOW, only="cdr-12-months")


def text(statement: sa.ClauseElement, dialect: str) -> str:
    return " ".join(str(statement.compile(dialect=DIALECTS[dialect])).split())


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_a_batch_is_found_by_walking_the_index_and_changed_as_a_range(dialect: str) -> None:
    target = sql.Target(world.cdr, "id", "column", dialect)
    after = (datetime(2025, 1, 1), 7)
    found = text(sql.boundary(CDR, target, after, 10_000), dialect)
    assert "ORDER BY cdr.started_at, cdr.id" in found
    assert "LIMIT" in found  # with an offset: "OFFSET n", or MySQL's "LIMIT n, 1"
    where = sql.batch(CDR, target, after, (datetime(2025, 2, 1), 99))
    deleted = text(sql.delete_batch(target, where), dialect)
    assert "cdr.started_at >=" in deleted and "cdr.started_at <=" in deleted
    assert " IN " not in deleted and "ANY" not in deleted


def test_without_an_index_on_the_column_the_batch_walks_the_key() -> None:
    target = sql.Target(world.cdr, "id", "key", "postgresql")
    found = text(sql.boundary(CDR, target, (None, 7), 100), "postgresql")
    assert "ORDER BY cdr.id" in found and "cdr.id >" in found


def test_keys_go_to_postgresql_as_one_array() -> None:
    target = sql.Target(world.cdr, "id", "column", "postgresql")
    assert "= ANY (" in text(sql.present(target, list(range(10_000))), "postgresql")


def test_cut_off_is_bound_as_the_column_stores_it() -> None:
    aware = datetime(2026, 1, 1, 12, tzinfo=world.NOW.tzinfo)
    assert sql.bind_moment(aware, world.cdr.c.started_at) == datetime(2026, 1, 1, 12)
    assert sql.bind_moment(aware, world.employee.c.left_at) == aware.date()
    stamped = sa.Column("at", sa.DateTime(timezone=True))
    assert sql.bind_moment(aware, stamped) == aware
