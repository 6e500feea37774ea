"""Identity-check challenges, and the details a request carries (corrections, objections).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 23:55:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "verification_challenge",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("request_id", BIG_ID, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("passed_at", MOMENT, nullable=True),
        sa.Column("locked_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_subject_request.id"],
            name=op.f("fk_verification_challenge_request_id_data_subject_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_challenge")),
    )
    op.create_index(
        op.f("ix_verification_challenge_request_id"), "verification_challenge", ["request_id"]
    )
    op.add_column("data_subject_request", sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column only by copying the table; batch mode does that where needed.
    with op.batch_alter_table("data_subject_request") as batch:
        batch.drop_column("details")
    # Dropping the table drops its index; MariaDB refuses to drop the index behind a
    # foreign key on its own.
    op.drop_table("verification_challenge")
