"""Pledge's own store: its tables, its migrations, and the one door other parts use to reach it.

Nothing connects at import time; every function takes the settings (or an engine made from
them) as an argument.
"""

# Each capability keeps its tables in its own module on the shared metadata; importing them
# here puts every table in Base.metadata, so migrations and the drift test see all of them.
from pledge.store import consent_tables as consent_tables
from pledge.store import erasure_tables as erasure_tables
from pledge.store import lock_tables as lock_tables
from pledge.store import request_tables as request_tables
from pledge.store import retention_tables as retention_tables
from pledge.store.database import (
    StoreUnavailable,
    audit,
    make_engine,
    record_declaration,
    resolve_database_url,
    session_factory,
)
from pledge.store.migrate import current, downgrade, head, new_migration, upgrade
from pledge.store.tables import AuditEvent, Base, DeclarationVersion

__all__ = [
    "AuditEvent",
    "Base",
    "DeclarationVersion",
    "StoreUnavailable",
    "audit",
    "current",
    "downgrade",
    "head",
    "make_engine",
    "new_migration",
    "record_declaration",
    "resolve_database_url",
    "session_factory",
    "upgrade",
]
