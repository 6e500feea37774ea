"""The store's lock table: one row per lock held, so every store engine can serialise work.

Plain data, no I/O; :mod:`pledge.store.locks` takes, beats and releases these rows.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pledge.store.tables import Base, UTCDateTime, utc_now


class StoreLockRow(Base):
    """A lock taken by name ("retention"), with who holds it and when it last showed life."""

    __tablename__ = "store_lock"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: A fresh random value per taking: release, heartbeat and take-over compare it.
    token: Mapped[str] = mapped_column(sa.String(32))
    holder: Mapped[str] = mapped_column(sa.String(255))
    #: What the holder is doing, for the message a refused taker reads ("run 12").
    purpose: Mapped[str] = mapped_column(sa.String(255))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
