"""Every connector against its real engine: batched reads by key, streaming, set-based
writes in one transaction, rollback on error. The same tests run on each engine."""

from __future__ import annotations

from typing import Any

import pytest

from pledge.connectors import Connector, Delete, QueryFailed, Select, Update
from tests.connectors.engines import MakeCalls, big, small

EVERYTHING = Select("calls", "id", list(range(0, 2000)), ["id", "account", "email", "full name%"])


def rows_of(connector: Connector, query: Select = EVERYTHING) -> list[dict[str, Any]]:
    found = [row for batch in connector.read(query) for row in batch]
    # CSV files are read as text; compare ids as numbers on every engine.
    return sorted(({**r, "id": int(r["id"])} for r in found), key=lambda r: r["id"])


def test_reads_rows_by_key_in_batches(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    query = Select("calls", "account", ["A1", "A2", "nobody"], ["id", "full name%"])
    batches = list(connector.read(query, batch_size=2))
    assert all(len(batch) <= 2 for batch in batches)
    found = sorted(int(row["id"]) for batch in batches for row in batch)
    assert found == [1, 2, 5, 6, 9, 10]
    assert {row["full name%"] for batch in batches for row in batch} >= {"Name 1", "Name 10"}


def test_key_values_are_coerced_to_the_column_type(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    # Identities arrive as text, keys from other systems as integers; junk cannot match.
    query = Select("calls", "id", ["3", 4, "not-a-number"], ["id"])
    assert [r["id"] for r in rows_of(connector, query)] == [3, 4]


def test_emails_match_case_insensitively_when_asked(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    query = Select("calls", "email", ["person3@example.uk"], ["id"], fold_case=True)
    assert [r["id"] for r in rows_of(connector, query)] == [3]


def test_streams_a_large_result_in_bounded_batches(make_calls: MakeCalls) -> None:
    connector = make_calls(small() + big(50_000))
    sizes = [len(batch) for batch in connector.read(Select("calls", "account", ["BIG"], ["id"]))]
    assert sum(sizes) == 50_000
    assert max(sizes) == 1000


def test_abandoning_a_read_leaves_the_connection_usable(make_calls: MakeCalls) -> None:
    connector = make_calls(small() + big(5_000))
    reader = connector.read(Select("calls", "account", ["BIG"], ["id"]), batch_size=100)
    assert len(next(reader)) == 100
    reader.close()  # what a consumer that stops early does
    assert [r["id"] for r in rows_of(connector, Select("calls", "id", [2], ["id"]))] == [2]
    assert connector.execute([Delete("calls", "account", ["BIG"])]) == [5_000]


def test_set_based_update_and_delete_in_one_transaction(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    before = {r["id"]: r for r in rows_of(connector)}
    counts = connector.execute(
        [
            Update(
                "calls",
                "account",
                ["A1"],
                set_to={"full name%": None},
                replace={"email": {"Person1@Example.UK": "hashed-1"}},
            ),
            Delete("calls", "account", ["A2", "A9"]),
        ]
    )
    assert counts == [3, 3]  # ids 1, 5, 9 updated; 2, 6, 10 deleted
    after = {r["id"]: r for r in rows_of(connector)}
    assert sorted(after) == [1, 3, 4, 5, 7, 8, 9]
    assert after[1]["email"] == "hashed-1"
    assert after[5]["email"] == "Person5@Example.UK"  # not in the map: left alone
    assert {after[i]["full name%"] for i in (1, 5, 9)} == {None}
    for untouched in (3, 4, 7, 8):  # other subjects' rows are exactly as they were
        assert after[untouched] == before[untouched]


def test_many_key_values_are_chunked_below_parameter_limits(make_calls: MakeCalls) -> None:
    connector = make_calls(small() + big(3_000))
    ids = list(range(1000, 4000)) + [f"x{i}" for i in range(100)]
    assert len(rows_of(connector, Select("calls", "id", ids, ["id"]))) == 3_000
    assert connector.execute([Delete("calls", "id", ids)]) == [3_000]
    assert len(rows_of(connector)) == 10


def test_a_failing_write_rolls_everything_back(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    before = rows_of(connector)
    with pytest.raises(QueryFailed, match=r"system 'network'.*rolled back|no file was changed"):
        connector.execute(
            [
                Delete("calls", "account", ["A1"]),  # runs first, then must be undone
                Update("calls", "account", ["A2"], set_to={"no_such_column": None}),
            ]
        )
    assert rows_of(connector) == before


def test_columns_introspects_the_table(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    assert list(connector.columns("calls")) == ["id", "account", "email", "full name%"]
    assert connector.columns("no_such_table") == {}


def test_a_declared_column_missing_from_the_database_is_named(make_calls: MakeCalls) -> None:
    connector = make_calls(small())
    with pytest.raises(QueryFailed, match="table 'calls' has no column 'emial'"):
        list(connector.read(Select("calls", "id", [1], ["id", "emial"])))
    with pytest.raises(QueryFailed, match="no table 'call'"):
        connector.execute([Delete("call", "id", [1])])
