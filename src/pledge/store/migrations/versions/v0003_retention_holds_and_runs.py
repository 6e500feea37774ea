"""Retention: legal holds and the record of sweeps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "retention_hold",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("dataset", sa.String(length=255), nullable=True),
        sa.Column("identity", sa.String(length=40), nullable=True),
        sa.Column("value", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=255), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_hold")),
    )
    op.create_index(op.f("ix_retention_hold_released_at"), "retention_hold", ["released_at"])
    op.create_table(
        "retention_run",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("only_rule", sa.String(length=100), nullable=True),
        sa.Column("changed", sa.BigInteger(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run")),
    )
    op.create_index(op.f("ix_retention_run_started_at"), "retention_run", ["started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_retention_run_started_at"), table_name="retention_run")
    op.drop_table("retention_run")
    op.drop_index(op.f("ix_retention_hold_released_at"), table_name="retention_hold")
    op.drop_table("retention_hold")
