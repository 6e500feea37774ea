"""The hash key check: which key and scheme the store's keyed hashes were made with.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:55:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hash_key_check",
        sa.Column("scheme", sa.String(length=40), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scheme", name=op.f("pk_hash_key_check")),
    )


def downgrade() -> None:
    op.drop_table("hash_key_check")
