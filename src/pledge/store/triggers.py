"""Database triggers that refuse UPDATE and DELETE on the ledgers, the audit log and the chain.

The ORM guard (:mod:`pledge.store.append_only`) stops Pledge's own code; these stop SQL typed
by hand or run by another program. :func:`ensure_triggers` drops and recreates each trigger, so
``pledge db upgrade`` restores one that was dropped or replaced, whatever the store's revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pledge.store.chain import CHAINED

#: Every table whose rows are never changed or deleted.
APPEND_ONLY = (*CHAINED, "chain_link")
VERBS = ("update", "delete")


def _refusal(table: str) -> str:
    return f"{table} is append-only: record a new entry instead"


def create_statements(dialect: str, table: str) -> list[str]:
    """The statements that (re)create ``table``'s append-only triggers on ``dialect``."""
    refusal = _refusal(table)
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{refusal}'; END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]
    statements = []
    for verb in VERBS:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        if dialect == "sqlite":
            body = f"BEGIN SELECT RAISE(ABORT, '{refusal}'); END"
        else:
            body = f"FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{refusal}'"
        statements.append(
            f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} {body}"
        )
    return statements


def drop_statements(dialect: str, table: str) -> list[str]:
    """The statements that remove ``table``'s append-only triggers on ``dialect``."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{verb}" for verb in VERBS]


def ensure_triggers(connection: Connection) -> list[str]:
    """(Re)create the triggers on every append-only table the store has; returns those tables.

    Does nothing on a store older than the chains (its migrations manage their own triggers).
    """
    present = set(sa.inspect(connection).get_table_names())
    if "chain_link" not in present:
        return []
    guarded = [table for table in APPEND_ONLY if table in present]
    for table in guarded:
        for statement in create_statements(connection.dialect.name, table):
            connection.exec_driver_sql(statement)
    return guarded
