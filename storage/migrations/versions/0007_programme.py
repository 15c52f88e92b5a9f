"""audit programme, document register, management reviews

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:37:40.825110
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("process", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("clauses", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("lead_auditor", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("auditees", sa.JSON(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("planned_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("planned_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("completed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("completed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('planned', 'completed', 'cancelled')", name="ck_audit_status"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_audit_number"),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index("ix_audit_process", ["process", "planned_date"], unique=False)
        batch_op.create_index("ix_audit_status_date", ["status", "planned_date"], unique=False)

    op.create_table(
        "controlled_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reference_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("revision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("review_months", sa.Integer(), nullable=False),
        sa.Column("last_reviewed", sa.Date(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("added_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference_key", name="uq_controlled_document_reference"),
    )
    with op.batch_alter_table("controlled_document", schema=None) as batch_op:
        batch_op.create_index("ix_controlled_document_next_review", ["next_review"], unique=False)
        batch_op.create_index("ix_controlled_document_owner", ["owner"], unique=False)

    op.create_table(
        "management_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("recurrence", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("scheduled_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scheduled_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "recurrence IN ('none', 'quarterly', 'half-yearly', 'yearly')", name="ck_management_review_recurrence"
        ),
        sa.CheckConstraint("status IN ('planned', 'held', 'cancelled')", name="ck_management_review_status"),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["management_review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_management_review_number"),
        sa.UniqueConstraint("previous_id", name="uq_management_review_previous"),
    )
    with op.batch_alter_table("management_review", schema=None) as batch_op:
        batch_op.create_index("ix_management_review_status_date", ["status", "planned_date"], unique=False)

    op.create_table(
        "document_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("revision_before", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("revision_after", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("training_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('no_change', 'revised')", name="ck_document_review_outcome"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["controlled_document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document_review", schema=None) as batch_op:
        batch_op.create_index("ix_document_review_document", ["document_id"], unique=False)

    op.create_table(
        "review_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("done_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_review_action_status"),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["management_review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "seq", name="uq_review_action_seq"),
    )
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.create_index("ix_review_action_open", ["status", "due_date"], unique=False)

    op.create_table(
        "audit_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('nonconformity', 'improvement', 'positive')", name="ck_audit_finding_kind"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["nc_id"],
            ["nonconformity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id", "seq", name="uq_audit_finding_seq"),
    )
    op.create_table(
        "audit_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("clause", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("nc_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("answer IN ('conforming', 'nonconforming', 'observation')", name="ck_audit_question_answer"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["nc_id"],
            ["nonconformity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id", "seq", name="uq_audit_question_seq"),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("audit_question")
    op.drop_table("audit_finding")
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.drop_index("ix_review_action_open")

    op.drop_table("review_action")
    with op.batch_alter_table("document_review", schema=None) as batch_op:
        batch_op.drop_index("ix_document_review_document")

    op.drop_table("document_review")
    with op.batch_alter_table("management_review", schema=None) as batch_op:
        batch_op.drop_index("ix_management_review_status_date")

    op.drop_table("management_review")
    with op.batch_alter_table("controlled_document", schema=None) as batch_op:
        batch_op.drop_index("ix_controlled_document_owner")
        batch_op.drop_index("ix_controlled_document_next_review")

    op.drop_table("controlled_document")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_status_date")
        batch_op.drop_index("ix_audit_process")

    op.drop_table("audit")
    # ### end Alembic commands ###
