"""dispositions awaiting authorisation are reminded: who was asked, and when the tick looks next

Revision ID: 0015_disposition_nudges
Revises: 0014_outputs
Create Date: 2026-12-02 19:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015_disposition_nudges"
down_revision = "0014_outputs"
branch_labels = None
depends_on = None

# storage.models.LOOK_NOW, written out: a migration never changes with the models.
LOOK_NOW = datetime(2000, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("disposition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("next_nudge_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_disposition_next_nudge", ["next_nudge_at"], unique=False)
    # Decisions already waiting are looked at by the first tick after the upgrade; the
    # approvers of the time were asked, and are reminded as the setting names them now.
    column = sa.column("next_nudge_at", storage.types.UTCDateTime(timezone=True))
    status = sa.column("status", sa.String())
    op.execute(
        sa.table("disposition", column, status).update().where(status == "pending").values(next_nudge_at=LOOK_NOW)
    )


def downgrade() -> None:
    with op.batch_alter_table("disposition", schema=None) as batch_op:
        batch_op.drop_index("ix_disposition_next_nudge")
        batch_op.drop_column("next_nudge_at")
        batch_op.drop_column("asked")
