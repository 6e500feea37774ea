"""Erasure ledger, restriction register and objections.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erasure_ledger",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("erasure_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("identities", sa.JSON(), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_ledger")),
    )
    op.create_index(op.f("ix_erasure_ledger_at"), "erasure_ledger", ["at"])
    op.create_index(op.f("ix_erasure_ledger_erasure_id"), "erasure_ledger", ["erasure_id"])
    op.create_index(op.f("ix_erasure_ledger_system"), "erasure_ledger", ["system"])
    op.create_table(
        "restriction",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("identity_hashes", sa.JSON(), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("row_keys", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("origin", sa.String(length=30), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("lifted_at", MOMENT, nullable=True),
        sa.Column("told_at", MOMENT, nullable=True),
        sa.Column("lifted_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restriction")),
    )
    op.create_table(
        "objection",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("identity_hashes", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("grounds", sa.String(length=2000), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("decision", sa.String(length=2000), nullable=True),
        sa.Column("applied_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
    )
    op.create_index(op.f("ix_objection_at"), "objection", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_objection_at"), table_name="objection")
    op.drop_table("objection")
    op.drop_table("restriction")
    op.drop_index(op.f("ix_erasure_ledger_system"), table_name="erasure_ledger")
    op.drop_index(op.f("ix_erasure_ledger_erasure_id"), table_name="erasure_ledger")
    op.drop_index(op.f("ix_erasure_ledger_at"), table_name="erasure_ledger")
    op.drop_table("erasure_ledger")
