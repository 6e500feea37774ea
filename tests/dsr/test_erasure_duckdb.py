"""Erasure on a folder of Parquet files read through DuckDB: rewritten only when it all worked."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pledge.declaration import load_text
from pledge.dsr.erasure import erase
from pledge.dsr.strategies import hashed
from pledge.settings import Settings
from pledge.store import upgrade
from pledge.subjects.identity import parse
from tests.fixtures.keys import TEST_HASH_KEY

YAML = """
controller: {name: Duck Ltd, address: 1 Quay Street Hull}
systems:
  web:
    connection: duckdb:///data
    datasets:
      visit:
        erase: update
        fields:
          id: {primary_key: true}
          email: {identity: email, categories: [user.contact.email], erase: hash}
          name: {categories: [user.name], erase: mask}
      signup:
        fields:
          id: {primary_key: true}
          email: {identity: email, categories: [user.contact.email]}
"""


def test_erasure_rewrites_parquet_for_the_person_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect() as db:
        people = "SELECT i AS id, 'p' || (i % 5) || '@example.uk' AS email, 'Name ' || i AS name"
        db.execute(f"COPY ({people} FROM range(1, 101) t(i)) TO '{data / 'visit.parquet'}'")
        db.execute(f"COPY ({people} FROM range(1, 11) t(i)) TO '{data / 'signup.parquet'}'")
    loaded = load_text(YAML)
    loaded.path = tmp_path / "pledge.yaml"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}", hash_key=TEST_HASH_KEY
    )
    upgrade(settings)

    result = erase(loaded, parse([("email", "P1@example.uk")]), settings=settings)

    assert result.complete and result.erased == 22
    with duckdb.connect() as db:
        visits = db.execute(f"SELECT id, email, name FROM '{data / 'visit.parquet'}'").fetchall()
        signups = db.execute(f"SELECT id FROM '{data / 'signup.parquet'}' ORDER BY id").fetchall()
    mine = [v for v in visits if v[0] % 5 == 1]
    assert {(e, n[:5]) for _, e, n in mine} == {(hashed("p1@example.uk", TEST_HASH_KEY), "**** ")}
    assert all(e == f"p{i % 5}@example.uk" for i, e, _ in visits if i % 5 != 1)
    assert [i for (i,) in signups] == [2, 3, 4, 5, 7, 8, 9, 10]
