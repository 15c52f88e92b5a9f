"""sent outbox messages past their keeping time are slimmed, and found through an index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:10:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        # Sent and not yet archived, oldest first: each run seeks past what the last one did.
        batch_op.create_index("ix_outbox_message_archive", ["status", "archived_at", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_archive")
        batch_op.drop_column("archived_at")
