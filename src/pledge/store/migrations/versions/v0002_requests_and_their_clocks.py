"""Data subject requests and the pauses of their clocks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:27:48.105911+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "data_subject_request",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("identities", sa.JSON(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("clock_started", sa.Date(), nullable=True),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("region", sa.String(length=30), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extension_told_on", sa.Date(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_subject_request")),
    )
    op.create_index(op.f("ix_data_subject_request_due_on"), "data_subject_request", ["due_on"])
    op.create_index(op.f("ix_data_subject_request_state"), "data_subject_request", ["state"])

    op.create_table(
        "request_pause",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("request_id", BIG_ID, nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_subject_request.id"],
            name=op.f("fk_request_pause_request_id_data_subject_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_pause")),
    )
    op.create_index(op.f("ix_request_pause_request_id"), "request_pause", ["request_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop the index behind a foreign
    # key on its own, so the indexes are not dropped one by one.
    op.drop_table("request_pause")
    op.drop_table("data_subject_request")
