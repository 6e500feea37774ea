"""Append-only ledgers with hash chains: lifts become entries of their own, every ledger and
the audit log is chained, and database triggers refuse UPDATE and DELETE on all of them.

Lifting a suppression or a restriction used to set ``lifted_*`` columns on the entry; those
become rows of ``suppression_lift`` and ``restriction_lift``. Entries already in the store are
chained in id order here, so ``pledge audit verify`` passes on an upgraded store.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pledge.store.chain import start_chains
from pledge.store.triggers import APPEND_ONLY, drop_statements, ensure_triggers

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)

_restriction = sa.table(
    "restriction",
    sa.column("id", sa.BigInteger()),
    sa.column("lifted_at", MOMENT),
    sa.column("told_at", MOMENT),
    sa.column("lifted_by", sa.String()),
)
_suppression = sa.table(
    "suppression",
    sa.column("id", sa.BigInteger()),
    sa.column("lifted_at", MOMENT),
    sa.column("lifted_because", sa.Text()),
)


def _create_lift_tables() -> tuple[sa.Table, sa.Table]:
    restriction_lift = op.create_table(
        "restriction_lift",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("restriction_id", sa.BigInteger(), nullable=False),
        sa.Column("lifted_at", MOMENT, nullable=False),
        sa.Column("told_at", MOMENT, nullable=False),
        sa.Column("lifted_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["restriction_id"],
            ["restriction.id"],
            name=op.f("fk_restriction_lift_restriction_id_restriction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restriction_lift")),
        sa.UniqueConstraint("restriction_id", name=op.f("uq_restriction_lift_restriction_id")),
    )
    suppression_lift = op.create_table(
        "suppression_lift",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("suppression_id", sa.BigInteger(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("because", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["suppression_id"],
            ["suppression.id"],
            name=op.f("fk_suppression_lift_suppression_id_suppression"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_lift")),
        sa.UniqueConstraint("suppression_id", name=op.f("uq_suppression_lift_suppression_id")),
    )
    return restriction_lift, suppression_lift


def upgrade() -> None:
    bind = op.get_bind()
    # Read the lifts first: on SQLite dropping columns rebuilds the table, which a foreign key
    # from a lift table would forbid.
    restriction_lifts = [
        {
            "restriction_id": row.id,
            "lifted_at": row.lifted_at,
            "told_at": row.told_at or row.lifted_at,
            "lifted_by": row.lifted_by or "unknown (lifted before revision 0009)",
        }
        for row in bind.execute(
            sa.select(_restriction).where(_restriction.c.lifted_at.is_not(None))
        )
    ]
    suppression_lifts = [
        {
            "suppression_id": row.id,
            "at": row.lifted_at,
            "because": row.lifted_because or "",
            "actor": "unknown (lifted before revision 0009)",
        }
        for row in bind.execute(
            sa.select(_suppression).where(_suppression.c.lifted_at.is_not(None))
        )
    ]
    op.drop_index("ix_suppression_active", table_name="suppression")
    with op.batch_alter_table("suppression") as batch:
        batch.drop_column("lifted_because")
        batch.drop_column("lifted_at")
    op.create_index(op.f("ix_suppression_identity_hash"), "suppression", ["identity_hash"])
    with op.batch_alter_table("restriction") as batch:
        batch.drop_column("lifted_by")
        batch.drop_column("told_at")
        batch.drop_column("lifted_at")
    restriction_lift, suppression_lift = _create_lift_tables()
    # In the order the entries were lifted, so the lift ids (and their chain) follow it.
    if restriction_lifts:
        restriction_lifts.sort(key=lambda row: (row["lifted_at"], row["restriction_id"]))
        op.bulk_insert(restriction_lift, restriction_lifts)
    if suppression_lifts:
        suppression_lifts.sort(key=lambda row: (row["at"], row["suppression_id"]))
        op.bulk_insert(suppression_lift, suppression_lifts)

    op.create_table(
        "chain_link",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "seq", name=op.f("pk_chain_link")),
        sa.UniqueConstraint("table_name", "entry_id", name=op.f("uq_chain_link_table_name")),
    )
    op.create_table(
        "chain_head",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=True),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_chain_head")),
    )
    start_chains(bind)
    ensure_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    # consent_event's triggers belong to revision 0004 and stay.
    for table in APPEND_ONLY:
        if table != "consent_event":
            for statement in drop_statements(bind.dialect.name, table):
                bind.exec_driver_sql(statement)
    op.drop_table("chain_head")
    op.drop_table("chain_link")
    lift = sa.table(
        "restriction_lift",
        sa.column("restriction_id", sa.BigInteger()),
        sa.column("lifted_at", MOMENT),
        sa.column("told_at", MOMENT),
        sa.column("lifted_by", sa.String()),
    )
    restriction_lifts = list(bind.execute(sa.select(lift)))
    unsuppress = sa.table(
        "suppression_lift",
        sa.column("suppression_id", sa.BigInteger()),
        sa.column("at", MOMENT),
        sa.column("because", sa.Text()),
    )
    suppression_lifts = list(bind.execute(sa.select(unsuppress)))
    op.drop_table("suppression_lift")
    op.drop_table("restriction_lift")
    with op.batch_alter_table("restriction") as batch:
        batch.add_column(sa.Column("lifted_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("told_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("lifted_by", sa.String(length=255), nullable=True))
    op.drop_index(op.f("ix_suppression_identity_hash"), table_name="suppression")
    with op.batch_alter_table("suppression") as batch:
        batch.add_column(sa.Column("lifted_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("lifted_because", sa.Text(), nullable=True))
    op.create_index("ix_suppression_active", "suppression", ["identity_hash", "lifted_at"])
    for row in restriction_lifts:
        bind.execute(
            sa.update(_restriction)
            .where(_restriction.c.id == row.restriction_id)
            .values(lifted_at=row.lifted_at, told_at=row.told_at, lifted_by=row.lifted_by)
        )
    for row in suppression_lifts:
        bind.execute(
            sa.update(_suppression)
            .where(_suppression.c.id == row.suppression_id)
            .values(lifted_at=row.at, lifted_because=row.because)
        )
