"""Consent and marketing: the append-only ledger, its state, suppression, TPS/CTPS registers,
screening runs and opt-out propagation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:25:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
HASH = sa.String(length=64)
REFUSAL = "the consent ledger is append-only: record a new event instead"

# The database itself refuses to rewrite the ledger, so SQL typed by hand cannot either.
TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER consent_event_no_{verb} BEFORE {verb.upper()} ON consent_event "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        for verb in ("update", "delete")
    ],
    "postgresql": [
        "CREATE FUNCTION consent_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
        "CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON consent_event "
        "FOR EACH ROW EXECUTE FUNCTION consent_event_append_only()",
    ],
    "mysql": [
        f"CREATE TRIGGER consent_event_no_{verb} BEFORE {verb.upper()} ON consent_event "
        f"FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSAL}'"
        for verb in ("update", "delete")
    ],
}
DROP_TRIGGERS = {
    "sqlite": [f"DROP TRIGGER consent_event_no_{verb}" for verb in ("update", "delete")],
    "postgresql": [
        "DROP TRIGGER consent_event_append_only ON consent_event",
        "DROP FUNCTION consent_event_append_only()",
    ],
    "mysql": [f"DROP TRIGGER consent_event_no_{verb}" for verb in ("update", "delete")],
}


def upgrade() -> None:
    op.create_table(
        "consent_event",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identity_hash", HASH, nullable=False),
        sa.Column("identity_kind", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("soft_opt_in_valid", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    op.create_index(op.f("ix_consent_event_at"), "consent_event", ["at"])
    op.create_index(op.f("ix_consent_event_identity_hash"), "consent_event", ["identity_hash"])
    op.create_table(
        "consent_state",
        sa.Column("identity_hash", HASH, nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=True),
        sa.Column("soft_opt_in_valid", sa.Boolean(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_event_id"],
            ["consent_event.id"],
            name=op.f("fk_consent_state_last_event_id_consent_event"),
        ),
        sa.PrimaryKeyConstraint(
            "identity_hash", "purpose", "channel", "stream", name=op.f("pk_consent_state")
        ),
    )
    op.create_index(op.f("ix_consent_state_last_event_id"), "consent_state", ["last_event_id"])
    op.create_table(
        "suppression",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("identity_hash", HASH, nullable=False),
        sa.Column("identity_kind", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_because", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
    )
    op.create_index("ix_suppression_active", "suppression", ["identity_hash", "lifted_at"])
    op.create_table(
        "register_load",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=1024), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
        sa.Column("malformed", sa.BigInteger(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_load")),
    )
    op.create_index(op.f("ix_register_load_register"), "register_load", ["register"])
    op.create_table(
        "register_number",
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("register", "number", name=op.f("pk_register_number")),
    )
    op.create_table(
        "screening_run",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=1024), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("register_age_days", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_run")),
    )
    op.create_table(
        "optout_propagation",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["consent_event.id"],
            name=op.f("fk_optout_propagation_event_id_consent_event"),
        ),
        sa.PrimaryKeyConstraint("event_id", "system", name=op.f("pk_optout_propagation")),
    )
    op.create_index(op.f("ix_optout_propagation_deadline"), "optout_propagation", ["deadline"])
    for statement in TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    # Dropping a table drops its indexes; MariaDB refuses to drop one a foreign key needs.
    for table in (
        "optout_propagation",
        "screening_run",
        "register_number",
        "register_load",
        "suppression",
        "consent_state",
        "consent_event",
    ):
        op.drop_table(table)
