"""The tables retention keeps in Pledge's store: legal holds and the record of sweeps.

Plain data, no I/O; they share the store's metadata so one migration history covers them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pledge.store.tables import Base, BigId, UTCDateTime, utc_now


class RetentionHoldRow(Base):
    """A legal hold on a subject (identity kind and value) or on a whole dataset."""

    __tablename__ = "retention_hold"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: "system.dataset" for a dataset hold; None for a subject hold.
    dataset: Mapped[str | None] = mapped_column(sa.String(255))
    identity: Mapped[str | None] = mapped_column(sa.String(40))
    value: Mapped[str | None] = mapped_column(sa.String(255))
    reason: Mapped[str] = mapped_column(sa.Text())
    set_by: Mapped[str] = mapped_column(sa.String(255))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Released holds stay in the table: who lifted a hold, and when, is part of the record.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    released_by: Mapped[str | None] = mapped_column(sa.String(255))


class RetentionRunRow(Base):
    """One run of the sweep: when, by whom, and per rule phase what it changed."""

    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: running, complete, incomplete (a step failed; the next run finishes it), or
    #: interrupted (killed or stopped; its counts are those of the batches it committed).
    status: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str] = mapped_column(sa.String(255))
    only_rule: Mapped[str | None] = mapped_column(sa.String(100))
    changed: Mapped[int] = mapped_column(sa.BigInteger(), default=0)
    #: Per step: rule, phase, dataset, action, changed, batches, complete, error; written
    #: after every committed batch, so a killed run still says what it did.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    #: When a running run last showed life (a batch recorded, or its heartbeat).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
