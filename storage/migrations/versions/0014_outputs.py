"""nonconforming outputs: the affected output of an NC and the disposition decisions on it

Revision ID: 0014_outputs
Revises: 0014_evidence
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0014_outputs"
down_revision = "0014_evidence"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "affected_output",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("item", _text(length=150), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", _text(length=20), nullable=False),
        sa.Column("lots", _text(length=500), nullable=True),
        sa.Column("held_at", _text(length=150), nullable=True),
        sa.Column("unit_cost", sa.Float(), nullable=True),
        sa.Column("recorded_by", _text(length=32), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_affected_output_quantity"),
        sa.ForeignKeyConstraint(["nc_id"], ["nonconformity.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nc_id", name="uq_affected_output_nc"),
    )
    kinds = ("concession", "rework", "repair", "regrade", "scrap", "return_to_supplier", "recall")
    op.create_table(
        "disposition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", _text(length=20), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("concession_ref", _text(length=100), nullable=True),
        sa.Column("status", _text(length=10), nullable=False),
        sa.Column("decided_by", _text(length=32), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("authorised_by", _text(length=32), nullable=True),
        sa.Column("authorised_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("authorisation_note", sa.Text(), nullable=True),
        sa.Column("reverified_by", _text(length=32), nullable=True),
        sa.Column("reverified_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reverify_result", _text(length=14), nullable=True),
        sa.Column("reverify_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in kinds)})", name="ck_disposition_kind"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="ck_disposition_status"),
        sa.CheckConstraint("quantity > 0", name="ck_disposition_quantity"),
        sa.CheckConstraint(
            "reverify_result IS NULL OR reverify_result IN ('conforming', 'nonconforming')",
            name="ck_disposition_reverify",
        ),
        sa.ForeignKeyConstraint(["nc_id"], ["nonconformity.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nc_id", "seq", name="uq_disposition_seq"),
    )
    op.create_index("ix_disposition_authorised", "disposition", ["status", "authorised_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_disposition_authorised", table_name="disposition")
    op.drop_table("disposition")
    op.drop_table("affected_output")
