"""Many access requests answered together give each person exactly what their own request
gives: the rows read one by one, in their own package."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pledge.connectors import Row
from pledge.dsr.access import read_subject
from pledge.dsr.access_batch import access_many, read_many
from pledge.subjects.identity import Identity, parse
from pledge.subjects.plan import make_plan
from pledge.subjects.systems import open_systems
from tests.dsr.test_access_demo import ENGINES, _estate, _url

NOW = datetime(2026, 2, 14, 9, 0, tzinfo=UTC)


def _people(url: str) -> list[list[Identity]]:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        rows = db.execute(sa.text("SELECT email, mobile FROM customer ORDER BY id")).all()
    engine.dispose()
    out: list[list[Identity]] = []
    for i, (email, mobile) in enumerate(rows):
        given = [("email", email.upper() if i % 2 else email)]
        if i % 3 == 0 and mobile:
            given.append(("phone", mobile))  # another shape, planned on its own
        out.append(parse(given))
    out.append(parse([("email", "nobody@example.invalid")]))  # found nowhere: no rows
    return out


def _one_by_one(loaded: Any, settings: Any, identities: list[Identity]) -> dict[str, list[str]]:
    plan = make_plan(loaded.declaration, identities)
    got: dict[str, list[str]] = {}

    def write(dotted: str, batches: Any) -> int:
        rows: list[Row] = [row for batch in batches for row in batch]
        got[dotted] = sorted(repr(sorted(r.items())) for r in rows)
        return len(rows)

    with open_systems(
        loaded.declaration, plan, environ=settings.environ, folder=loaded.folder
    ) as systems:
        read_subject(plan, systems, write)
    return got


@pytest.mark.parametrize("engine", ENGINES)
def test_each_person_gets_the_rows_their_own_request_finds(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    loaded, settings = _estate(engine, request, tmp_path)
    people = _people(_url(loaded, settings, "crm"))
    first = make_plan(loaded.declaration, people[0])
    with open_systems(
        loaded.declaration, first, environ=settings.environ, folder=loaded.folder
    ) as systems:
        together = read_many(loaded.declaration, people, systems, people=7)
    assert len(together) == len(people)
    for identities, person in zip(people, together, strict=True):
        mine = {d: sorted(repr(sorted(r.items())) for r in rows) for d, rows in person.rows.items()}
        assert mine == _one_by_one(loaded, settings, identities), identities
    assert sum(together[-1].counts.values()) == 0
    assert sum(together[0].counts.values()) > 0


@pytest.mark.parametrize("workers", [0, 1])
def test_one_package_per_person(
    workers: int, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    loaded, settings = _estate("sqlite", request, tmp_path)
    people = _people(_url(loaded, settings, "crm"))[:5]
    paths = access_many(
        loaded,
        people,
        environ=settings.environ,
        out=tmp_path / "out",
        names=[f"r{i}" for i in range(len(people))],
        now=NOW,
        people=2,
        workers=workers,
    )
    assert [p.name for p in paths] == [f"access-r{i}.zip" for i in range(len(people))]
    for identities, path in zip(people, paths, strict=True):
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data.json"))
            assert "report.html" in archive.namelist()
        assert data["identities"]["email"] == [i.value for i in identities if i.kind == "email"]
        emails = {r["email"].lower() for r in data["systems"]["crm"]["customer"]}
        assert emails == {i.value for i in identities if i.kind == "email"}
