"""How each request's identity was confirmed: the checks declared and passed, what a person
did, who confirmed it, and the reason when the declared checks were overridden.

Requests confirmed before this revision keep their account in the audit log only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("declared_checks", sa.String(length=200)),
    ("verified_checks", sa.String(length=200)),
    ("verified_how", sa.Text()),
    ("verified_by", sa.String(length=255)),
    ("override_reason", sa.Text()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("data_subject_request", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    # SQLite drops a column only by copying the table; batch mode does that where needed.
    with op.batch_alter_table("data_subject_request") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
