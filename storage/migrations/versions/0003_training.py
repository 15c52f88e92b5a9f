"""training rounds and acknowledgements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:56:29.980595
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("doc_ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("revision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("doc_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("revision_key", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_training_round_status"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("doc_key", "revision_key", name="uq_training_round_revision"),
        sa.UniqueConstraint("number", name="uq_training_round_number"),
    )
    with op.batch_alter_table("training_round", schema=None) as batch_op:
        batch_op.create_index("ix_training_round_doc", ["doc_key", "published_at"], unique=False)

    op.create_table(
        "training_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("acknowledged_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'acknowledged')", name="ck_training_assignment_status"),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["training_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person", name="uq_training_assignment_person"),
    )
    with op.batch_alter_table("training_assignment", schema=None) as batch_op:
        batch_op.create_index("ix_training_assignment_person", ["person", "status"], unique=False)
        batch_op.create_index("ix_training_assignment_round", ["round_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("training_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_training_assignment_round")
        batch_op.drop_index("ix_training_assignment_person")

    op.drop_table("training_assignment")
    with op.batch_alter_table("training_round", schema=None) as batch_op:
        batch_op.drop_index("ix_training_round_doc")

    op.drop_table("training_round")
