"""indexes the digest and the Home tab count from without reading the rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:20:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        # Open NCs by severity (the digest) from the index alone; with the id, PostgreSQL also
        # finds the active NCs that overdue actions belong to without reading the NCs.
        batch_op.create_index("ix_nonconformity_severity", ["status", "severity", "id"], unique=False)
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        # Overdue actions counted from the index: the NC each belongs to is in it.
        batch_op.drop_index("ix_corrective_action_due")
        batch_op.create_index("ix_corrective_action_due", ["status", "due_date", "nc_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_index("ix_corrective_action_due")
        batch_op.create_index("ix_corrective_action_due", ["status", "due_date"], unique=False)
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_index("ix_nonconformity_severity")
