"""Estates on PostgreSQL and MariaDB, alone and split so that requests cross engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from pledge.demo import estate as estate_module
from pledge.demo.estate import generate
from pledge.demo.load import TargetUnreachable
from pledge.demo.rows import Plan
from pledge.demo.targets import ENV, Targets
from tests.demo.reading import counts, disagreements, opened, orphans, rows_of

PLAN = Plan(seed=21, customers=50, as_of=date(2026, 2, 14))


def _environ(targets: Targets) -> dict[str, str]:
    return {ENV[e]: targets.url(e) for e in ("postgres", "mariadb") if getattr(targets, e)}


def _check(folder: Path, targets: Targets, expected: dict[str, int]) -> None:
    with opened(folder, _environ(targets)) as (loaded, engines):
        assert counts(loaded, engines) == expected
        assert disagreements(loaded, engines) == []
        dangling = orphans(loaded, engines)
    assert dangling and dangling == dict.fromkeys(dangling, 0)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@contextmanager
def _breaks(label: str, total: int) -> Iterator[Callable[[int], None]]:
    def advance(done: int) -> None:
        raise RuntimeError("interrupted")

    yield advance


@pytest.mark.postgres
def test_an_estate_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    targets = Targets(postgres=postgres_url)
    estate = generate(PLAN, tmp_path / "nw", targets=targets)
    assert set(estate.placement.values()) == {"postgres"}
    assert not list(estate.folder.glob("*.sqlite"))
    _check(estate.folder, targets, estate.counts)


@pytest.mark.mariadb
def test_an_estate_on_mariadb(tmp_path: Path, mariadb_url: str) -> None:
    targets = Targets(mariadb=mariadb_url)
    estate = generate(PLAN, tmp_path / "nw", targets=targets)
    assert set(estate.placement.values()) == {"mariadb"}
    _check(estate.folder, targets, estate.counts)


@pytest.mark.postgres
@pytest.mark.mariadb
def test_an_estate_split_across_engines(
    tmp_path: Path, postgres_url: str, mariadb_url: str
) -> None:
    targets = Targets(postgres=postgres_url, mariadb=mariadb_url)
    estate = generate(PLAN, tmp_path / "nw", targets=targets)
    assert estate.placement["crm"] == "postgres" and estate.placement["hr"] == "mariadb"
    assert "call_recording" in _tables(mariadb_url) and "customer" in _tables(postgres_url)
    _check(estate.folder, targets, estate.counts)  # contact_centre -> crm crosses engines


@pytest.mark.postgres
def test_the_same_seed_gives_the_same_rows_on_postgresql(
    tmp_path: Path, postgres_database: Callable[[], str]
) -> None:
    one, two = Targets(postgres=postgres_database()), Targets(postgres=postgres_database())
    generate(PLAN, tmp_path / "one", targets=one)
    generate(PLAN, tmp_path / "two", targets=two)
    first, second = sa.create_engine(one.url("postgres")), sa.create_engine(two.url("postgres"))
    try:
        for table, key in (("customer", "id"), ("call_record", "id"), ("payment", "id")):
            assert rows_of(first, table, key) == rows_of(second, table, key)
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.postgres
def test_tables_already_there_are_kept_unless_forced(tmp_path: Path, postgres_url: str) -> None:
    targets = Targets(postgres=postgres_url)
    generate(PLAN, tmp_path / "first", targets=targets)
    with pytest.raises(TargetUnreachable, match="already has tables"):
        generate(Plan(22, 10, PLAN.as_of), tmp_path / "second", targets=targets)
    assert not (tmp_path / "second").exists()
    replaced = generate(Plan(22, 10, PLAN.as_of), tmp_path / "second", targets=targets, force=True)
    _check(replaced.folder, targets, replaced.counts)


@pytest.mark.postgres
@pytest.mark.mariadb
def test_a_failure_leaves_both_servers_as_they_were(
    tmp_path: Path, postgres_url: str, mariadb_url: str
) -> None:
    targets = Targets(postgres=postgres_url, mariadb=mariadb_url)
    with pytest.raises(RuntimeError, match="interrupted"):
        generate(PLAN, tmp_path / "nw", targets=targets, progress=_breaks)
    assert _tables(postgres_url) == set() and _tables(mariadb_url) == set()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_failure_after_the_commit_still_drops_the_tables(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(staging: Path, folder: Path) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(estate_module, "_swap", full_disk)
    with pytest.raises(OSError, match="no space"):
        generate(PLAN, tmp_path / "nw", targets=Targets(postgres=postgres_url))
    assert _tables(postgres_url) == set()
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_is_down_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    targets = Targets(postgres="postgresql://pledge:s3cret@127.0.0.1:1/northwold")
    with pytest.raises(TargetUnreachable, match="cannot connect to PostgreSQL") as caught:
        generate(PLAN, tmp_path / "nw", targets=targets)
    assert "s3cret" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []
