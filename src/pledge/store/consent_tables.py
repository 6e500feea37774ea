"""The tables consent keeps in Pledge's store: the ledger, its derived state, the suppression
list, the TPS/CTPS registers, screening runs and opt-out propagation.

Plain data, no I/O. No table holds an email address or phone number of a data subject: they
are keyed by ``identity_hash`` (see :mod:`pledge.subjects.hashing`). Register numbers are the
exception: the TPS and CTPS lists are public register data, kept in E.164.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pledge.store.tables import Base, BigId, UTCDateTime, utc_now

#: A hex keyed SHA-256 (pledge.subjects.hashing).
Hash = sa.String(64)


class ConsentEventRow(Base):
    """One line of the consent ledger. Never updated or deleted: history is not rewritten."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    identity_hash: Mapped[str] = mapped_column(Hash, index=True)
    identity_kind: Mapped[str] = mapped_column(sa.String(40))
    #: A declared purpose, or "*" for every purpose (an objection to all direct marketing).
    purpose: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(40))
    stream: Mapped[str] = mapped_column(sa.String(100))
    #: grant, withdraw, object, or lift-objection.
    action: Mapped[str] = mapped_column(sa.String(20))
    #: consent, soft-opt-in or specific-agreement (grants only).
    basis: Mapped[str | None] = mapped_column(sa.String(40))
    #: web-form, call, sms-keyword, email-link, gpc, import, cli, resubscribe.
    source: Mapped[str] = mapped_column(sa.String(40))
    #: Whether the soft opt-in's three conditions held (soft opt-in grants only).
    soft_opt_in_valid: Mapped[bool] = mapped_column(sa.Boolean(), default=False)
    #: Notice version and wording shown, IP address, user agent, soft opt-in conditions.
    evidence: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    actor: Mapped[str] = mapped_column(sa.String(255))


class ConsentStateRow(Base):
    """The latest event per identity, purpose, channel and stream: derived, rebuilt by replay."""

    __tablename__ = "consent_state"

    identity_hash: Mapped[str] = mapped_column(Hash, primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    stream: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: granted, withdrawn, objected or cleared (an objection lifted).
    status: Mapped[str] = mapped_column(sa.String(20))
    basis: Mapped[str | None] = mapped_column(sa.String(40))
    soft_opt_in_valid: Mapped[bool] = mapped_column(sa.Boolean(), default=False)
    last_event_id: Mapped[int] = mapped_column(
        sa.BigInteger(), sa.ForeignKey("consent_event.id"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuppressionRow(Base):
    """A hashed identifier never to be marketed to again, and why; a lift is its own entry."""

    __tablename__ = "suppression"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    identity_hash: Mapped[str] = mapped_column(Hash, index=True)
    identity_kind: Mapped[str] = mapped_column(sa.String(40))
    #: opt-out, objection, erasure, restriction, complaint or manual.
    reason: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.String(40))
    actor: Mapped[str] = mapped_column(sa.String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class SuppressionLiftRow(Base):
    """A suppression entry lifted (a re-subscription, a restriction ended), and why."""

    __tablename__ = "suppression_lift"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    suppression_id: Mapped[int] = mapped_column(
        sa.BigInteger(), sa.ForeignKey("suppression.id"), unique=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    because: Mapped[str] = mapped_column(sa.Text())
    actor: Mapped[str] = mapped_column(sa.String(255))


def suppression_in_force() -> sa.ColumnElement[bool]:
    """Where-clause for suppression entries no lift names (the list minus its lifts)."""
    return ~sa.exists().where(SuppressionLiftRow.suppression_id == SuppressionRow.id)


class RegisterLoadRow(Base):
    """One TPS or CTPS file loaded: when, what kind, and what was wrong with it."""

    __tablename__ = "register_load"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    register: Mapped[str] = mapped_column(sa.String(10), index=True)
    #: full (replaces the register) or change (adds and deletes).
    kind: Mapped[str] = mapped_column(sa.String(10))
    file_name: Mapped[str] = mapped_column(sa.String(1024))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    added: Mapped[int] = mapped_column(sa.BigInteger())
    removed: Mapped[int] = mapped_column(sa.BigInteger())
    malformed: Mapped[int] = mapped_column(sa.BigInteger())
    #: The first malformed lines: line number and text.
    problems: Mapped[list[Any]] = mapped_column(sa.JSON(), default=list)
    actor: Mapped[str] = mapped_column(sa.String(255))


class RegisterNumberRow(Base):
    """One number on the TPS or CTPS register, in E.164."""

    __tablename__ = "register_number"

    register: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


class ScreeningRunRow(Base):
    """One campaign screened: what, against which register age, and any recorded override."""

    __tablename__ = "screening_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    audience: Mapped[str] = mapped_column(sa.String(1024))
    purpose: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(40))
    stream: Mapped[str | None] = mapped_column(sa.String(100))
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    #: Age in days of the oldest register screened against (phone campaigns).
    register_age_days: Mapped[int | None] = mapped_column(sa.Integer())
    override_reason: Mapped[str | None] = mapped_column(sa.Text())
    actor: Mapped[str] = mapped_column(sa.String(255))


class OptOutPropagationRow(Base):
    """A withdrawal that a downstream system must apply by a deadline, and when it confirmed."""

    __tablename__ = "optout_propagation"

    event_id: Mapped[int] = mapped_column(
        sa.BigInteger(), sa.ForeignKey("consent_event.id"), primary_key=True
    )
    system: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(255))
