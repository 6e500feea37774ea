"""The assertions every sample shares: access finds exactly the hand-checked rows, erasure
changes exactly them, and a request that must stop changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from pledge.declaration.model import Dataset
from pledge.dsr.certificate import DatasetOutcome, ErasureResult
from pledge.subjects.reach import ReachStopped
from tests.fixtures.samples.load import Snapshot, changes
from tests.samples.harness import Built
from tests.samples.people import Keys, Person


def plain(keys: Keys) -> dict[str, set[Any]]:
    return {dataset: set(values) for dataset, values in keys.items() if values}


def access(built: Built, person: Person) -> None:
    """The person's rows, shared rows and context rows are exactly the expected ones."""
    reached = built.find(person)
    assert built.keys(reached.rows) == plain(person.rows)
    shared = {d.partition(".")[2]: set(keys) for d, keys in reached.shared.items() if keys}
    assert shared == plain(person.shared)
    assert built.keys(reached.context) == plain(person.context)


def erasure(built: Built, person: Person) -> ErasureResult:
    """Erasure deletes and updates exactly the expected rows and nothing else, and the
    certificate keeps the shared ones."""
    before = built.snapshot()
    result = built.erase(person)
    after = built.snapshot()
    assert result.complete, result.text()
    diff = changes(before, after)
    assert {t: _keys(d["deleted"]) for t, d in diff.items() if d["deleted"]} == plain(
        person.deleted
    )
    assert {t: _keys(d["updated"]) for t, d in diff.items() if d["updated"]} == plain(
        person.updated
    )
    assert not [t for t, d in diff.items() if d["added"]]
    for table, keys in plain(person.updated).items():
        dataset = built.loaded.declaration.systems[built.system].datasets[table]
        for key in keys:
            _updated_as_declared(built, table, dataset, before, after, key)
    outcomes = {d.dataset: d for s in result.systems for d in s.datasets}
    for table, keys in plain(person.shared).items():
        kept = [k for k in _outcome(outcomes, table).kept if k.rule == "shared"]
        assert sum(k.rows for k in kept) == len(keys), result.text()
    return result


def stops(built: Built, person: Person) -> ReachStopped:
    """Access and erasure both stop, and the database is as it was."""
    before = built.snapshot()
    with pytest.raises(ReachStopped) as found:
        built.find(person)
    with pytest.raises(ReachStopped):
        built.erase(person)
    assert built.snapshot() == before
    return found.value


def _keys(keys: set[tuple[Any, ...]]) -> set[Any]:
    return {k[0] if len(k) == 1 else k for k in keys}


def _outcome(outcomes: dict[str, DatasetOutcome], table: str) -> DatasetOutcome:
    assert table in outcomes, f"the certificate says nothing of {table}"
    return outcomes[table]


def _updated_as_declared(
    built: Built, table: str, dataset: Dataset, before: Snapshot, after: Snapshot, key: Any
) -> None:
    """Each column of an updated row: keys and kept fields as they were, nullified fields
    empty, masked and hashed fields no longer what they were, undeclared columns untouched."""
    columns = [c.name for c in built.sample.metadata.tables[table].columns]
    old = dict(zip(columns, before[table][(key,)], strict=True))
    new = dict(zip(columns, after[table][(key,)], strict=True))
    for column in columns:
        spec = dataset.fields.get(column)
        erase = spec.erase if spec is not None else None
        where = f"{table} {key} {column}"
        if spec is None or spec.primary_key or spec.references or erase in (None, "keep"):
            assert new[column] == old[column], where
        elif erase == "nullify":
            assert new[column] is None, where
        elif old[column] is not None:
            assert new[column] != old[column], where
