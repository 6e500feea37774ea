"""A sample schema built on one engine, with its declaration and a store, ready for requests.

Each test gets a new database on SQLite, PostgreSQL or MariaDB (the server ones are marked
and skip when the server is not there) and builds the sample in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pledge.connectors import Connector, connect
from pledge.declaration import Loaded, load_text
from pledge.dsr.certificate import ErasureResult
from pledge.dsr.erasure import erase
from pledge.settings import Settings
from pledge.store import make_engine, upgrade
from pledge.subjects.identity import Identity, parse
from pledge.subjects.reach import Choices, Reached, find
from tests.fixtures.keys import TEST_HASH_KEY
from tests.fixtures.samples.load import Sample, Snapshot, build, snapshot
from tests.samples.people import Person

ENGINES = [
    pytest.param("sqlite"),
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]
HASH_KEY = TEST_HASH_KEY


@dataclass
class Built:
    """One sample in one fresh database."""

    sample: Sample
    engine: str
    url: str
    loaded: Loaded
    settings: Settings
    folder: Path

    @property
    def system(self) -> str:
        (name,) = self.loaded.declaration.systems
        return name

    def snapshot(self) -> Snapshot:
        return snapshot(self.sample, self.url)

    @contextmanager
    def connectors(self) -> Iterator[dict[str, Connector]]:
        opened = {
            name: connect(name, system, environ=self.settings.environ, folder=self.folder)
            for name, system in self.loaded.declaration.systems.items()
        }
        try:
            yield opened
        finally:
            for connector in opened.values():
                connector.close()

    def find(self, person: Person) -> Reached:
        with self.connectors() as connectors:
            return find(
                self.loaded.declaration,
                identities(person.asks_with),
                connectors,
                choices=choices(person),
            )

    def erase(self, person: Person) -> ErasureResult:
        store = make_engine(self.settings)
        try:
            return erase(
                self.loaded,
                identities(person.asks_with),
                settings=self.settings,
                store=store,
                choices=choices(person),
            )
        finally:
            store.dispose()

    def keys(self, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, set[Any]]:
        """``{"system.dataset": rows}`` as ``{"dataset": primary keys}``, empty ones left out."""
        out: dict[str, set[Any]] = {}
        for dotted, found in rows.items():
            system, _, dataset = dotted.partition(".")
            assert system == self.system, dotted
            if not found:
                continue
            (key,) = [c.name for c in self.sample.metadata.tables[dataset].primary_key.columns]
            out[dataset] = {row[key] for row in found}
        return out


def cases(people: Iterable[Person]) -> list[Any]:
    """``people`` as pytest parameters named by who they are."""
    return [pytest.param(p, id=p.label.split(",")[0].split(":")[0]) for p in people]


def identities(pairs: Sequence[tuple[str, str]]) -> list[Identity]:
    return parse(list(pairs))


def choices(person: Person) -> Choices | None:
    if not person.choices:
        return None
    return Choices(
        ignore=frozenset(identities(person.ignore)),
        same_person=frozenset(identities(person.same_person)),
    )


def database_url(request: pytest.FixtureRequest, engine: str, folder: Path) -> str:
    """A new, empty database on ``engine`` for this test."""
    if engine == "sqlite":
        return f"sqlite:///{folder / 'sample.sqlite'}"
    url: str = request.getfixturevalue(f"{engine}_url")
    return url


def make(sample: Sample, request: pytest.FixtureRequest, folder: Path) -> Built:
    """Build ``sample`` on the engine the test is parametrised with."""
    engine: str = request.param
    url = database_url(request, engine, folder)
    build(sample, url)
    settings = Settings(
        database_url=f"sqlite:///{folder / 'store' / 'pledge.sqlite'}",
        hash_key=HASH_KEY,
        environ={sample.env: url},
    )
    upgrade(settings)
    loaded = load_text(sample.yaml(), str(sample.declaration))
    return Built(sample, engine, url, loaded, settings, folder)
