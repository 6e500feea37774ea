"""The erasure ledger records intent before each system is written, and what it searched.

``phase`` is "intent" (written and committed before a system's writes), "done" (after they
commit, with the rows they changed) or "unchanged" (an erasure that found only rows already
erased). ``searched`` keeps, per field, the keyed hashes of every value the dataset was
searched with, so replay finds the same rows on a restored system alone. Entries written
before this revision are completions ("done").

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("erasure_ledger") as table:
        table.add_column(
            sa.Column("phase", sa.String(length=10), nullable=False, server_default="done")
        )
        table.add_column(sa.Column("searched", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("erasure_ledger") as table:
        table.drop_column("searched")
        table.drop_column("phase")
