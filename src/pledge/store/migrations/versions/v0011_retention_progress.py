"""Retention progress per batch and the store's lock table.

``store_lock`` holds one row per lock taken (a retention run takes "retention"), with a
heartbeat so that a lock left by a killed process can be seen to be stale and taken over.
``retention_run.heartbeat_at`` says when a running run last showed life.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_lock",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=255), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_lock")),
    )
    op.add_column("retention_run", sa.Column("heartbeat_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("retention_run") as batch:
        batch.drop_column("heartbeat_at")
    op.drop_table("store_lock")
