"""The migrations build exactly the tables the models describe, and undo cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from pledge.settings import Settings
from pledge.store import Base, current, downgrade, head, make_engine, upgrade
from pledge.store.migrate import alembic_config

#: Every table the models declare; each capability adds its own module of tables.
PLEDGE_TABLES = set(Base.metadata.tables)


def tables(settings: Settings) -> set[str]:
    engine = make_engine(settings)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def revisions() -> Iterator[str]:
    """Every revision, oldest first."""
    history = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    yield from reversed([script.revision for script in history])


def test_history_has_one_head_and_sequential_ids() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [head()]
    assert list(revisions()) == [f"{n:04d}" for n in range(1, len(list(revisions())) + 1)]


def test_upgrade_downgrade_upgrade(settings: Settings) -> None:
    assert current(settings) is None
    upgrade(settings)
    assert current(settings) == head()
    assert tables(settings) == PLEDGE_TABLES

    downgrade(settings, "base")
    assert current(settings) is None
    assert tables(settings) == set()

    upgrade(settings)
    assert current(settings) == head()
    assert tables(settings) == PLEDGE_TABLES


def test_every_step_downgrades_and_upgrades_again(settings: Settings) -> None:
    for revision in revisions():
        upgrade(settings, revision)
        downgrade(settings, "-1")
        upgrade(settings, revision)
        assert current(settings) == revision


def test_models_match_migrations(settings: Settings) -> None:
    upgrade(settings)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "the models changed without a migration: run `pledge db revision`"


@pytest.mark.parametrize("table", sorted(PLEDGE_TABLES))
def test_constraint_names_follow_the_convention(table: str) -> None:
    primary_key = Base.metadata.tables[table].primary_key
    assert primary_key.name == f"pk_{table}"


def test_a_forgotten_migration_is_caught(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pledge.sqlite'}")
    upgrade(settings)
    changed = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["audit_event"].append_column(sa.Column("reason", sa.String(200)))
    engine = make_engine(settings)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), changed)
    engine.dispose()
    assert [d[0] for d in differences] == ["add_column"]
