"""form submissions claimed once; a version on every record a button changes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Records whose buttons now carry the version they were drawn for (the NC had one already).
VERSIONED = (
    "training_assignment",
    "feedback",
    "audit",
    "audit_question",
    "controlled_document",
    "management_review",
    "review_action",
)


def upgrade() -> None:
    op.create_table(
        "form_submission",
        sa.Column("callback", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("view_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_type", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("record_ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("submitted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("callback", "view_id"),
    )
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # Existing rows start at 1, as new ones do; the default is only for them.
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
    op.drop_table("form_submission")
