"""Tables for erasure, restriction and objection: the erasure ledger and the flags Pledge keeps.

People appear here only as keyed hashes (pledge.subjects.hashing): the ledger
must outlive the data it records the erasure of, so it cannot hold that data itself. The
restriction register also keeps the primary keys of rows it holds back, because the systems
must find those rows; a key alone says nothing once the person's other data is gone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pledge.store.tables import Base, BigId, UTCDateTime, utc_now

#: Width of a hex SHA-256 digest.
HASH = 64


class ErasureLedgerEntry(Base):
    """One thing an erasure did to one dataset; replayed on a system restored from backup."""

    __tablename__ = "erasure_ledger"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    #: All entries written by one erasure share it; replay works erasure by erasure.
    erasure_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: Identity kind → keyed hashes of the values, e.g. {"email": ["9f2c..."]}.
    identities: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    system: Mapped[str] = mapped_column(sa.String(100), index=True)
    dataset: Mapped[str] = mapped_column(sa.String(100))
    #: delete | update | keep (an exemption held the rows back)
    action: Mapped[str] = mapped_column(sa.String(20))
    rows: Mapped[int] = mapped_column(sa.Integer())
    #: Field → strategy for updates; the retention rule and reason for kept rows.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    #: intent (committed before the system's writes) | done (after they commit, with the rows
    #: they changed) | unchanged (only rows already erased were found).
    phase: Mapped[str] = mapped_column(sa.String(10), default="done", server_default="done")
    #: Field → keyed hashes of every value the dataset was searched with (replay finds the
    #: same rows on the restored system alone, whatever system the values came from).
    searched: Mapped[dict[str, list[str]] | None] = mapped_column(sa.JSON())


class Restriction(Base):
    """Processing of a person's data restricted where the system has no flag column of its own."""

    __tablename__ = "restriction"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    #: Keyed hash of each identity value, so a system can ask "is this person restricted?".
    identity_hashes: Mapped[list[str]] = mapped_column(sa.JSON())
    system: Mapped[str] = mapped_column(sa.String(100))
    dataset: Mapped[str] = mapped_column(sa.String(100))
    #: Primary key values of the rows held, when only some rows are (erasure exemptions).
    row_keys: Mapped[list[Any] | None] = mapped_column(sa.JSON())
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: request (the person asked, Art. 18) | erasure-exemption (kept rows, Art. 17(3))
    origin: Mapped[str] = mapped_column(sa.String(30))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))


class RestrictionLift(Base):
    """A restriction lifted: its own entry, so the register is never rewritten."""

    __tablename__ = "restriction_lift"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    restriction_id: Mapped[int] = mapped_column(
        sa.BigInteger(), sa.ForeignKey("restriction.id"), unique=True
    )
    lifted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    #: When the person was told the restriction would be lifted (Art. 18(3)): before lifted_at.
    told_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str] = mapped_column(sa.String(255))


def restriction_in_force() -> sa.ColumnElement[bool]:
    """Where-clause for restrictions no lift entry names (the register minus its lifts)."""
    return ~sa.exists().where(RestrictionLift.restriction_id == Restriction.id)


class Objection(Base):
    """An objection (Art. 21): to direct marketing (absolute) or to other processing."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    identity_hashes: Mapped[list[str]] = mapped_column(sa.JSON())
    #: direct-marketing | processing
    kind: Mapped[str] = mapped_column(sa.String(30))
    purpose: Mapped[str | None] = mapped_column(sa.String(100))
    channels: Mapped[list[str]] = mapped_column(sa.JSON(), default=list)
    grounds: Mapped[str | None] = mapped_column(sa.String(2000))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: recorded (marketing, for the consent capability) | awaiting-decision | upheld | rejected
    status: Mapped[str] = mapped_column(sa.String(30))
    #: The DPO's decision is due by this date (the request clock's rules).
    due_on: Mapped[date | None] = mapped_column(sa.Date())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(sa.String(255))
    decision: Mapped[str | None] = mapped_column(sa.String(2000))
    #: Set by the consent capability once suppression has been applied.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
