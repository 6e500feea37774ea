"""What a request for one person must find and change, as checked by hand.

Each expectation is written out literally, row by primary key, from the fixture rows in
tests/fixtures/samples/; nothing here is computed. The test modules and the before/after
comparison (tests/samples/compare.py) read the same expectations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Dataset name → primary-key values.
Keys = Mapping[str, set[Any]]


@dataclass(frozen=True)
class Person:
    """One request and its hand-checked answer.

    ``rows``: every row access returns (their own rows and the shared ones), per dataset;
    ``shared``: those of them that are shared with someone else; ``context``: the context
    rows shown beside them; ``deleted`` and ``updated``: what erasure changes. Anything not
    listed must not be returned or changed. ``stops``: the request must stop, unchanged.
    ``ignore`` and ``same_person``: the operator's choices for a value shared with others.
    """

    label: str
    asks_with: tuple[tuple[str, str], ...]
    rows: Keys = field(default_factory=dict)
    shared: Keys = field(default_factory=dict)
    context: Keys = field(default_factory=dict)
    deleted: Keys = field(default_factory=dict)
    updated: Keys = field(default_factory=dict)
    stops: bool = False
    ignore: tuple[tuple[str, str], ...] = ()
    same_person: tuple[tuple[str, str], ...] = ()

    @property
    def choices(self) -> bool:
        return bool(self.ignore or self.same_person)

    def owned(self, dataset: str) -> set[Any]:
        """The keys of ``dataset`` an erasure may change: deleted or updated."""
        return set(self.deleted.get(dataset, set())) | set(self.updated.get(dataset, set()))
