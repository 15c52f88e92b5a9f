"""customer feedback

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:13:07.297592
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("customer", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=True),
        sa.Column("received_via", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("logged_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("respond_by", sa.Date(), nullable=True),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("responded_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("resolved_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("card_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("card_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("card_permalink", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("nc_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('complaint', 'compliment', 'suggestion', 'survey')", name="ck_feedback_kind"),
        sa.CheckConstraint("response IN ('received', 'responded', 'resolved')", name="ck_feedback_response"),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="ck_feedback_rating"),
        sa.ForeignKeyConstraint(
            ["nc_id"],
            ["nonconformity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["message_capture.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nc_id", name="uq_feedback_nc"),
        sa.UniqueConstraint("number", name="uq_feedback_number"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_complaints", ["kind", "response"], unique=False)
        batch_op.create_index("ix_feedback_received", ["received_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_received")
        batch_op.drop_index("ix_feedback_complaints")

    op.drop_table("feedback")
