"""Archiving into another database: copy, verify, then delete; a crash between never loses rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from pledge.declaration import Declaration, load_text
from pledge.retention import service
from tests.retention import world

ARCHIVED = set(range(31, 40))


def _declaration(source_url: str, vault_url: str) -> Declaration:
    """The test company with its applicant archive moved into its own system, "vault"."""
    data = yaml.safe_load(world.DECLARATION.format(url=source_url))
    archive = data["systems"]["net"]["datasets"].pop("applicant_archive")
    data["systems"]["vault"] = {"connection": vault_url, "datasets": {"applicant_archive": archive}}
    data["retention"]["applicants"]["archive"]["to"] = "vault.applicant_archive"
    return load_text(yaml.safe_dump(data)).declaration


def _ids(engine: sa.Engine, table: sa.Table) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(sa.select(table.c.id)).scalars())


@pytest.fixture
def vault(fresh_url: Callable[[], str]) -> Iterator[tuple[str, sa.Engine]]:
    """A second, empty database of the same kind holding only the archive table."""
    url = fresh_url()
    engine = sa.create_engine(url)
    world.applicant_archive.create(engine)
    yield url, engine
    engine.dispose()


def test_rows_move_to_the_other_database(
    source: sa.Engine, source_url: str, vault: tuple[str, sa.Engine]
) -> None:
    vault_url, vault_engine = vault
    declaration = _declaration(source_url, vault_url)
    engines = {"net": source, "vault": vault_engine}
    outcomes = service.run(declaration, engines.__getitem__, world.NOW, only="applicants")
    assert [o.changed for o in outcomes] == [len(ARCHIVED), 0]
    assert _ids(source, world.applicant) == set(range(31))
    assert _ids(vault_engine, world.applicant_archive) == ARCHIVED


def test_a_failed_delete_after_the_copy_leaves_both_and_the_rerun_finishes(
    source: sa.Engine, source_url: str, vault: tuple[str, sa.Engine]
) -> None:
    vault_url, vault_engine = vault
    declaration = _declaration(source_url, vault_url)
    engines = {"net": source, "vault": vault_engine}

    def fail_delete(*args: Any) -> None:
        if args[2].startswith("DELETE FROM applicant"):
            raise sa.exc.OperationalError(args[2], {}, Exception("connection lost"))

    sa.event.listen(source, "before_cursor_execute", fail_delete)
    (first, _) = service.run(declaration, engines.__getitem__, world.NOW, only="applicants")
    sa.event.remove(source, "before_cursor_execute", fail_delete)
    assert not first.complete and "connection lost" in (first.error or "")
    # The copy committed, the delete rolled back: the rows are in both places, none lost.
    assert _ids(source, world.applicant) >= ARCHIVED
    assert _ids(vault_engine, world.applicant_archive) <= ARCHIVED
    service.run(declaration, engines.__getitem__, world.NOW, only="applicants")
    assert _ids(source, world.applicant) == set(range(31))
    with vault_engine.connect() as connection:
        copies = connection.execute(
            sa.select(sa.func.count()).select_from(world.applicant_archive)
        ).scalar_one()
    assert copies == len(ARCHIVED)
