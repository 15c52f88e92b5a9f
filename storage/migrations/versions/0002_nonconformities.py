"""nonconformities, corrective actions, captured messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:26:39.201130
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("captured_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("captured_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("permalink", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "nonconformity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("process", sqlmodel.sql.sqltypes.AutoString(length=75), nullable=False),
        sa.Column("supplier", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=True),
        sa.Column("iso_clause", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("initial_containment", sa.Text(), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reporter", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("raised_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.Column("card_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("card_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("card_permalink", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("root_cause_method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("occurs_elsewhere", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("elsewhere_note", sa.Text(), nullable=True),
        sa.Column("actions_done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("verified_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column("failed_verifications", sa.Integer(), nullable=False),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("possible_recurrence_of", sa.Integer(), nullable=True),
        sa.Column("recurrence_of", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'contained', 'root_cause_found', 'actions_planned', 'actions_done', 'effectiveness_verified', 'closed', 'cancelled')",
            name="ck_nonconformity_status",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["message_capture.id"],
        ),
        sa.ForeignKeyConstraint(
            ["possible_recurrence_of"],
            ["nonconformity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recurrence_of"],
            ["nonconformity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_nonconformity_number"),
    )
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.create_index("ix_nonconformity_owner", ["owner", "status"], unique=False)
        batch_op.create_index("ix_nonconformity_process", ["process", "closed_at"], unique=False)
        batch_op.create_index("ix_nonconformity_status", ["status", "due_date"], unique=False)

    op.create_table(
        "corrective_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("submission", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('corrective', 'preventive')", name="ck_corrective_action_kind"),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_corrective_action_status"),
        sa.ForeignKeyConstraint(
            ["nc_id"],
            ["nonconformity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nc_id", "seq", name="uq_corrective_action_seq"),
        sa.UniqueConstraint("nc_id", "submission", name="uq_corrective_action_submission"),
    )
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.create_index("ix_corrective_action_owner", ["owner", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_index("ix_corrective_action_owner")

    op.drop_table("corrective_action")
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_index("ix_nonconformity_status")
        batch_op.drop_index("ix_nonconformity_process")
        batch_op.drop_index("ix_nonconformity_owner")

    op.drop_table("nonconformity")
    op.drop_table("message_capture")
