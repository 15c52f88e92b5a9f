"""evidence files on records: their bytes once by SHA-256, and which record each belongs to

Revision ID: 0014_evidence
Revises: 0013
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0014_evidence"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_content",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_ref", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mimetype", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("slack_file", sa.String(length=32), nullable=False),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("uploaded_by", sa.String(length=32), nullable=False),
        sa.Column("attached_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_type", "record_ref", "sha256", name="uq_evidence_file_record_sha"),
    )
    op.create_index("ix_evidence_file_record", "evidence_file", ["record_type", "record_ref"], unique=False)
    op.create_index("ix_evidence_file_sha256", "evidence_file", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_file_sha256", table_name="evidence_file")
    op.drop_index("ix_evidence_file_record", table_name="evidence_file")
    op.drop_table("evidence_file")
    op.drop_table("evidence_content")
