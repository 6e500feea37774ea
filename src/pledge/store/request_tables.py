"""The tables that hold data subject requests and their clocks: plain data, no I/O.

They share the store's metadata (:class:`pledge.store.tables.Base`), so one migration
history covers every table Pledge owns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledge.store.tables import Base, BigId, UTCDateTime, utc_now


class RequestRow(Base):
    """One data subject request: what was asked, by whom, where it stands, when it is due."""

    __tablename__ = "data_subject_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(30), index=True)
    #: Identity kind → values as given; needed to run the request, shown to the DPO.
    identities: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    received_on: Mapped[date] = mapped_column(sa.Date())
    #: Day one of the statutory clock; None until identity is confirmed.
    clock_started: Mapped[date | None] = mapped_column(sa.Date())
    #: The rule and calendar in force when the request arrived, so a later declaration
    #: change does not move an existing request's deadline.
    rule: Mapped[str] = mapped_column(sa.String(30))
    region: Mapped[str] = mapped_column(sa.String(30))
    #: Kept in step with the clock so overdue requests can be found with one query.
    due_on: Mapped[date | None] = mapped_column(sa.Date(), index=True)
    extension_reason: Mapped[str | None] = mapped_column(sa.Text())
    extension_told_on: Mapped[date | None] = mapped_column(sa.Date())
    #: Why it failed, or what the answer was (one sentence for the DPO).
    message: Mapped[str | None] = mapped_column(sa.Text())
    #: Machine-readable outcome: package path, rows per dataset, systems that failed.
    outcome: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    #: What the request asks beyond who it is about: corrected values (rectification),
    #: what is objected to (objection). Passed to the type's executor as keyword arguments.
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    #: How identity was confirmed (None until it is): the checks the declaration asked for
    #: and those that passed ("email-code+account-number"), what was done, and by whom.
    declared_checks: Mapped[str | None] = mapped_column(sa.String(200))
    verified_checks: Mapped[str | None] = mapped_column(sa.String(200))
    verified_how: Mapped[str | None] = mapped_column(sa.Text())
    verified_by: Mapped[str | None] = mapped_column(sa.String(255))
    #: Why a person confirmed identity without the declared checks; None when they passed.
    override_reason: Mapped[str | None] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)

    pauses: Mapped[list[PauseRow]] = relationship(
        back_populates="request", order_by="PauseRow.id", cascade="all, delete-orphan"
    )


class PauseRow(Base):
    """A pause of a request's clock to ask the person for clarification."""

    __tablename__ = "request_pause"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("data_subject_request.id", ondelete="CASCADE"), index=True
    )
    start_on: Mapped[date] = mapped_column(sa.Date())
    #: None while the clock is still waiting for the clarification.
    end_on: Mapped[date | None] = mapped_column(sa.Date())
    reason: Mapped[str] = mapped_column(sa.Text())

    request: Mapped[RequestRow] = relationship(back_populates="pauses")


class ChallengeRow(Base):
    """An identity check sent to a person: an emailed code (kept only as a keyed hash), and
    the attempts made at it. Attempts carry over to a re-sent code, so re-sending buys no
    more guesses."""

    __tablename__ = "verification_challenge"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("data_subject_request.id", ondelete="CASCADE"), index=True
    )
    #: HMAC-SHA256 of the code under the hash key; None when no code was sent (second
    #: factors only).
    code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer())
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
