"""The hash key check: which key and scheme the store's keyed hashes were made with.

A store that already holds keyed hashes made them with HMAC-SHA256 under the configured key
(scheme "identity-hash-v1"): it is marked so, and Pledge refuses to mix new hashes into it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:55:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    check = op.create_table(
        "hash_key_check",
        sa.Column("scheme", sa.String(length=40), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scheme", name=op.f("pk_hash_key_check")),
    )
    bind = op.get_bind()
    hashed = any(
        bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        for table in ("consent_event", "suppression", "erasure_ledger", "restriction", "objection")
    )
    if hashed:
        # Naive UTC, as SQLite and MariaDB keep moments (UTCDateTime adds UTC on reading).
        now = datetime.now(UTC).replace(tzinfo=None)
        op.bulk_insert(
            check, [{"scheme": "identity-hash-v1", "check_value": "", "recorded_at": now}]
        )


def downgrade() -> None:
    op.drop_table("hash_key_check")
