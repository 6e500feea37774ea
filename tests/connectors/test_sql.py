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
    # A key that is not text (numbers) compares by value; SQLite still pins the collation.
    [statement] = sql.select(dialect, "customer", ["id", "e-mail"], "e-mail", [1, 2])
    expected = (
        expected.replace(" IN (?", " COLLATE BINARY IN (?") if dialect is SQLITE else expected
    )
    assert statement.text == expected
    assert statement.params == (1, 2)


@pytest.mark.parametrize(
    ("dialect", "where", "params"),
    [
        (SQLITE, '"code" COLLATE BINARY IN (?)', ("AB12",)),
        (POSTGRES, '"code" IN (%s) AND CAST("code" AS text) COLLATE "C" IN (%s)', ("AB12",) * 2),
        (
            MYSQL,
            "`code` IN (%s) AND CAST(CONVERT(`code` USING utf8mb4) AS BINARY) IN (%s)",
            ("AB12",) * 2,
        ),
        (DUCKDB, '"code" IN (?)', ("AB12",)),
    ],
)
def test_text_keys_compare_byte_for_byte_whatever_the_collation(
    dialect: Dialect, where: str, params: tuple[str, ...]
) -> None:
    [statement] = sql.select(dialect, "t", [], "code", ["AB12"], text=True)
    assert statement.text == f"SELECT * FROM {sql.quote(dialect, 't')} WHERE {where}"
    assert statement.params == params


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
    [statement] = sql.select(DUCKDB, "t", [], "k", ["a", None, "b", "a"])
    assert statement.params == ("a", "b")
    assert statement.text == 'SELECT * FROM "t" WHERE "k" IN (?, ?)'


def test_no_values_means_no_statement() -> None:
    assert sql.select(SQLITE, "t", ["a"], "k", []) == []
    assert sql.delete(POSTGRES, "t", "k", [None]) == []
    assert sql.update(MYSQL, "t", "k", [], set_to={"a": None}) == []


def test_fold_case_folds_column_and_values_on_every_dialect() -> None:
    [lite] = sql.select(SQLITE, "c", ["id"], "email", ["A@X.uk", "a@x.uk"], fold_case=True)
    assert lite.text == (
        'SELECT "id" FROM "c" WHERE '
        "lower(replace(replace(\"email\", char(304), 'i'), char(8490), 'k')) IN (?)"
    )
    assert lite.params == ("a@x.uk",)
    # The collation of a MariaDB column no longer decides: LOWER() under UCA 14.0, as bytes.
    [my] = sql.select(MYSQL, "c", ["id"], "email", ["A@X.uk"], fold_case=True)
    assert my.text == (
        "SELECT `id` FROM `c` WHERE CAST(LOWER(CONVERT(`email` USING utf8mb4) "
        "COLLATE utf8mb4_uca1400_as_cs) AS BINARY) IN (%s)"
    )
    assert my.params == ("a@x.uk",)
    [pg] = sql.select(POSTGRES, "c", ["id"], "email", ["A@X.uk"], fold_case=True)
    assert 'COLLATE "und-x-icu") IN (%s)' in pg.text
    assert "%" not in pg.text.replace("%s", "")  # nothing psycopg would read as a marker


def test_sqlite_sends_each_spelling_its_lower_can_give() -> None:
    # SQLite's lower() leaves É alone, so "JOSÉ@x.uk" is found as "josÉ@x.uk".
    [lite] = sql.select(SQLITE, "c", [], "email", ["José@X.uk", "B@x.uk"], fold_case=True)
    assert lite.params == ("josé@x.uk", "josÉ@x.uk", "b@x.uk")
    assert lite.text.count("?") == 3


def test_sqlite_calls_fold_for_probes_with_too_many_spellings() -> None:
    name = "ивановпетров@x.ru"  # 12 Cyrillic letters: 4,096 spellings
    statements = sql.select(SQLITE, "c", [], "email", [name, "a@x.uk"], fold_case=True)
    assert [(s.text.split(" WHERE ")[1], s.params) for s in statements] == [
        ("lower(replace(replace(\"email\", char(304), 'i'), char(8490), 'k')) IN (?)", ("a@x.uk",)),
        ('pledge_fold("email") IN (?)', (name,)),
    ]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("JOSÉ.GARCÍA@X.UK", "josé.garcía@x.uk"),
        ("STRAẞE", "straße"),  # capital sharp s lowers; ß never becomes ss
        ("straße", "straße"),
        ("İSTANBUL", "istanbul"),  # simple mapping: no combining dot
        ("\u0131I", "\u0131i"),  # dotless i stays; I is i whatever the language
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευσ"),  # small sigma everywhere, final only where stored so
        ("ς", "ς"),
        ("ÉLODIE", "élodie"),
        ("ИВАН", "иван"),
        ("\u212a", "k"),  # Kelvin sign
        ("ǅ", "ǆ"),  # titlecase digraph
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert sql.fold(text) == folded
    assert sql.fold(folded) == folded


def test_spellings_of_each_letter() -> None:
    assert sql.spellings("abc") == ["abc"]  # ASCII: the engine lowers it
    assert sql.spellings("ω") == ["ω", "Ω", "\u2126"]  # and the Ohm sign
    assert sql.spellings("é" * 6) is not None
    assert sql.spellings("é" * 7) is None  # 128 > SPELLINGS


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
