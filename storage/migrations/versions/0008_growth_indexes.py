"""growth indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:55:14.595779
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.create_index("ix_nonconformity_closed", ["status", "closed_at"], unique=False)
        batch_op.create_index("ix_nonconformity_raised", ["raised_at"], unique=False)

    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.create_index("ix_corrective_action_due", ["status", "due_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_index("ix_corrective_action_due")

    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_index("ix_nonconformity_raised")
        batch_op.drop_index("ix_nonconformity_closed")
