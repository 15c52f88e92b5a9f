"""the decisions awaiting authorisation, oldest first, for an approver's Home tab

Revision ID: 0016_disposition_pending
Revises: 0015_disposition_nudges
Create Date: 2026-12-03 10:00:00
"""

from alembic import op

revision = "0016_disposition_pending"
down_revision = "0015_disposition_nudges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ix_disposition_authorised (status, authorised_at) finds the pending ones too, but in no
    # useful order (authorised_at is empty for all of them): this one hands them out oldest first.
    op.create_index("ix_disposition_pending", "disposition", ["status", "decided_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_disposition_pending", table_name="disposition")
