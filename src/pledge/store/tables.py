"""Pledge's own tables as typed SQLAlchemy models: plain data, no I/O.

Every change here needs a migration in ``migrations/versions``; a test compares these
models with the migrated schema on each supported engine and fails on any drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Constraint names are spelled out so SQLite, PostgreSQL and MariaDB agree on them and a
#: later migration can drop or alter a constraint by name on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A moment in UTC, aware on the way out even on engines that store naive values."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive moment is ambiguous; storing it as if it were UTC would hide a bug.
            raise ValueError(f"naive datetime {value!r} given where a UTC moment is expected")
        value = value.astimezone(UTC)
        # SQLite and MariaDB keep no offset; store the UTC wall time and add UTC back on read.
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Shared metadata for every table Pledge owns."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class DeclarationVersion(Base):
    """One distinct declaration Pledge has run under; the fingerprint is the notice version."""

    __tablename__ = "declaration_version"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(12), unique=True)
    path: Mapped[str | None] = mapped_column(sa.String(1024))
    controller: Mapped[str] = mapped_column(sa.String(255))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON())


class AuditEvent(Base):
    """One line of the append-only audit log: who did what to which subject, and when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(sa.String(255))
    action: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)


class HashKeyCheck(Base):
    """Which key (and hashing scheme) the store's keyed hashes were made with.

    Hashes made under another key never match: with the wrong ``PLEDGE_HASH_KEY`` a suppressed
    person would look unknown. The first keyed use records a check value derived from the key;
    every later use compares with it (:mod:`pledge.store.keycheck`).
    """

    __tablename__ = "hash_key_check"

    scheme: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    check_value: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ChainLink(Base):
    """One entry of a ledger or the audit log, chained: its hash and the hash before it.

    The links sit beside the ledgers rather than in them: an entry's id is given by the
    database on insert, and the hash covers the id, yet an append-only row cannot be updated
    with its own hash afterwards. ``seq`` orders the chain (1, 2, 3...) in the order entries
    were appended, whatever their ids.
    """

    __tablename__ = "chain_link"
    __table_args__ = (sa.UniqueConstraint("table_name", "entry_id"),)

    table_name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger(), primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(sa.BigInteger())
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    row_hash: Mapped[str] = mapped_column(sa.String(64))


class ChainHead(Base):
    """The last link of one chain; its row is also the lock that serialises appends to it."""

    __tablename__ = "chain_head"

    table_name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    entries: Mapped[int] = mapped_column(sa.BigInteger())
    last_id: Mapped[int | None] = mapped_column(sa.BigInteger())
    row_hash: Mapped[str] = mapped_column(sa.String(64))
