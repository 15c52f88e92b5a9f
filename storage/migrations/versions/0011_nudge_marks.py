"""when each record next needs a nudge; outbox lookups served by indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:20:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The records a nudge source reads; each keeps when the tick next looks at it.
MARKED = (
    "nonconformity",
    "corrective_action",
    "training_round",
    "training_assignment",
    "feedback",
    "audit",
    "controlled_document",
    "management_review",
    "review_action",
)
# storage.models.LOOK_NOW, written out: a migration never changes with the models.
LOOK_NOW = datetime(2000, 1, 1, tzinfo=UTC)
# PostgreSQL compares text in the database's collation, where "nc:42:" need not sort next to
# "nc:42:owner": outbox keys compare bytes, so a prefix is a range their unique index serves.
KEY_BYTES = 'ALTER TABLE outbox_message ALTER COLUMN key TYPE VARCHAR(200) COLLATE "C"'
KEY_DEFAULT = 'ALTER TABLE outbox_message ALTER COLUMN key TYPE VARCHAR(200) COLLATE pg_catalog."default"'


def upgrade() -> None:
    for table in MARKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("next_nudge_at", storage.types.UTCDateTime(timezone=True), nullable=True))
            batch_op.create_index(f"ix_{table}_next_nudge", ["next_nudge_at"], unique=False)
        # Every record is looked at once by the first tick after the upgrade.
        column = sa.column("next_nudge_at", storage.types.UTCDateTime(timezone=True))
        op.execute(sa.table(table, column).update().values(next_nudge_at=LOOK_NOW))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        # The claim's second half: rows a sender left in 'sending' whose lease ran out.
        batch_op.create_index("ix_outbox_message_lease", ["status", "lease_until"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(KEY_BYTES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(KEY_DEFAULT)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_lease")
    for table in reversed(MARKED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_next_nudge")
            batch_op.drop_column("next_nudge_at")
