"""the external providers register (8.4): suppliers, their evaluations, and the NCs raised against them

Revision ID: 0018_suppliers
Revises: 0017_risks
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0018_suppliers"
down_revision = "0017_risks"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_when = storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "supplier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(length=150), nullable=False),
        sa.Column("name_key", _text(length=150), nullable=False),
        sa.Column("supplies", _text(length=300), nullable=False),
        sa.Column("status", _text(length=12), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("owner", _text(length=32), nullable=False),
        sa.Column("last_evaluated", sa.Date(), nullable=True),
        sa.Column("next_evaluation", sa.Date(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("added_by", _text(length=32), nullable=False),
        sa.Column("added_at", _when(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("next_nudge_at", _when(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('approved', 'conditional', 'blocked')", name="ck_supplier_status"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_key", name="uq_supplier_name"),
    )
    op.create_index("ix_supplier_next_nudge", "supplier", ["next_nudge_at"], unique=False)
    op.create_index("ix_supplier_next_evaluation", "supplier", ["next_evaluation"], unique=False)
    op.create_index("ix_supplier_status", "supplier", ["status", "name_key"], unique=False)
    op.create_table(
        "supplier_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("evaluated_by", _text(length=32), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("ncs", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Float(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("status_before", _text(length=12), nullable=False),
        sa.Column("decision", _text(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("next_evaluation", sa.Date(), nullable=False),
        sa.Column("recorded_at", _when(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('approved', 'conditional', 'blocked')", name="ck_supplier_evaluation_decision"
        ),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_supplier_evaluation_score"),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supplier_evaluation_supplier", "supplier_evaluation", ["supplier_id", "id"], unique=False)
    op.create_index("ix_supplier_evaluation_on", "supplier_evaluation", ["evaluated_on"], unique=False)
    # The free-text supplier stays, for one not in the register.
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_nonconformity_supplier", "supplier", ["supplier_id"], ["id"])
        batch_op.create_index("ix_nonconformity_supplier", ["supplier_id", "raised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_index("ix_nonconformity_supplier")
        batch_op.drop_constraint("fk_nonconformity_supplier", type_="foreignkey")
        batch_op.drop_column("supplier_id")
    op.drop_index("ix_supplier_evaluation_on", table_name="supplier_evaluation")
    op.drop_index("ix_supplier_evaluation_supplier", table_name="supplier_evaluation")
    op.drop_table("supplier_evaluation")
    op.drop_index("ix_supplier_status", table_name="supplier")
    op.drop_index("ix_supplier_next_evaluation", table_name="supplier")
    op.drop_index("ix_supplier_next_nudge", table_name="supplier")
    op.drop_table("supplier")
