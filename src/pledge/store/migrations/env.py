"""Alembic's entry point: migrate the connection that :mod:`pledge.store.migrate` hands in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from pledge.store.tables import Base, UTCDateTime


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write Pledge's own column types as plain SQLAlchemy ones in migration files."""
    # A migration must keep meaning the same schema after the model code changes.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Pledge's migrations run on a connection given by pledge.store.migrate "
        "(`pledge db upgrade`), not from the alembic command line or in --sql mode"
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
