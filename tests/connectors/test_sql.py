"""Query building, per dialect, without any server."""

from __future__ import annotations

import pytest

from pledge.connectors import sql
from pledge.connectors.sql import DUCKDB, MYSQL, POSTGRES, SQLITE, Dialect

ALL = [SQLITE, POSTGRES, MYSQL, DUCKDB]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (SQLITE, 'SELECT "id", "e-mail" FROM "customer" WHERE "e-mail" IN (?, ?)'),
        (POSTGRES, 'SELECT "id", "e-mail" FROM "customer" WHERE "e-mail" IN (%s, %s)'),
        (MYSQL, "SELECT `id`, `e-mail` FROM `customer` WHERE `e-mail` IN (%s, %s)"),
        (DUCKDB, 'SELECT "id", "e-mail" FROM "customer" WHERE "e-mail" IN (?, ?)'),
    ],
)
def test_select_per_dialect(dialect: Dialect, expected: str) -> None:
    [statement] = sql.select(dialect, "customer", ["id", "e-mail"], "e-mail", ["a@x", "b@x"])
    assert statement.text == expected
    assert statement.params == ("a@x", "b@x")


@pytest.mark.parametrize(
    ("dialect", "name", "quoted"),
    [
        (SQLITE, 'say "hi"', '"say ""hi"""'),
        (POSTGRES, 'say "hi"', '"say ""hi"""'),
        (POSTGRES, "rate%", '"rate%%"'),  # "%" is a format marker for psycopg
        (MYSQL, "odd`name", "`odd``name`"),
        (MYSQL, "rate%", "`rate%%`"),  # and for PyMySQL
        (DUCKDB, "rate%", '"rate%"'),
        (SQLITE, "select", '"select"'),
        (SQLITE, "with space", '"with space"'),
    ],
)
def test_odd_names_are_quoted(dialect: Dialect, name: str, quoted: str) -> None:
    assert sql.quote(dialect, name) == quoted


@pytest.mark.parametrize("name", ["", "nul\x00byte"])
def test_unusable_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="cannot be used"):
        sql.quote(SQLITE, name)


@pytest.mark.parametrize("dialect", ALL)
def test_large_in_lists_are_chunked(dialect: Dialect) -> None:
    values = list(range(1201))
    statements = sql.delete(dialect, "cdr", "account", values)
    assert [len(s.params) for s in statements] == [500, 500, 201]
    assert [p for s in statements for p in s.params] == values
    assert all(s.text.count(dialect.placeholder) == len(s.params) for s in statements)


def test_values_are_deduplicated_and_nulls_dropped() -> None:
    [statement] = sql.select(SQLITE, "t", [], "k", ["a", None, "b", "a"])
    assert statement.params == ("a", "b")
    assert statement.text == 'SELECT * FROM "t" WHERE "k" IN (?, ?)'


def test_no_values_means_no_statement() -> None:
    assert sql.select(SQLITE, "t", ["a"], "k", []) == []
    assert sql.delete(POSTGRES, "t", "k", [None]) == []
    assert sql.update(MYSQL, "t", "k", [], set_to={"a": None}) == []


def test_fold_case_lowers_column_and_values_except_where_collation_folds() -> None:
    [lite] = sql.select(SQLITE, "c", ["id"], "email", ["A@X.uk", "a@x.uk"], fold_case=True)
    assert lite.text == 'SELECT "id" FROM "c" WHERE lower("email") IN (?)'
    assert lite.params == ("a@x.uk",)
    [my] = sql.select(MYSQL, "c", ["id"], "email", ["A@X.uk"], fold_case=True)
    assert my.text == "SELECT `id` FROM `c` WHERE `email` IN (%s)"


def test_update_sets_fixed_values_then_replaces_per_value() -> None:
    statements = sql.update(
        POSTGRES,
        "customer",
        "id",
        [1, 2],
        set_to={"name": None, "phone": "***"},
        replace={"email": {"a@x": "h1", "b@x": "h2"}},
    )
    assert [(s.text, s.params, s.counts) for s in statements] == [
        (
            'UPDATE "customer" SET "name" = %s, "phone" = %s WHERE "id" IN (%s, %s)',
            (None, "***", 1, 2),
            True,
        ),
        (
            'UPDATE "customer" SET "email" = CASE "email" WHEN %s THEN %s WHEN %s THEN %s '
            'ELSE "email" END WHERE "id" IN (%s, %s)',
            ("a@x", "h1", "b@x", "h2", 1, 2),
            False,  # the same rows again: counted once
        ),
    ]


def test_replacement_maps_are_chunked_too() -> None:
    mapping = {f"v{i}": f"h{i}" for i in range(5)}
    statements = sql.update(SQLITE, "t", "k", ["x"], replace={"c": mapping}, chunk=4)
    assert [len(s.params) for s in statements] == [5, 5, 3]  # 2 pairs + key, twice; 1 pair + key
    assert [s.counts for s in statements] == [True, False, False]
    assert all(s.text.count("?") == len(s.params) for s in statements)


@pytest.mark.parametrize(
    ("values", "column_type", "expected"),
    [
        (["12", " 7 ", "C-9", 12, None], "INTEGER", [12, 7]),
        (["12"], "bigint", [12]),
        (["12"], "int(11) unsigned", [12]),
        (["12"], "interval", ["12"]),  # not an integer type, despite the prefix
        ([12, "a"], "character varying", ["12", "a"]),
        ([12], "VARCHAR", ["12"]),
        ([True], "text", [True]),
        ([1.5, "x"], "", [1.5, "x"]),  # SQLite columns may have no type: leave values alone
    ],
)
def test_coerce_to_the_key_column_type(
    values: list[object], column_type: str, expected: list[object]
) -> None:
    assert sql.coerce(values, column_type) == expected


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(sql.chunks([1], 0))
