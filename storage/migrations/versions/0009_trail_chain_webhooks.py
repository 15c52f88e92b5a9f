"""audit trail hash chain; webhook delivery queue

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 03:40:26.659588
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types
from storage.audit import GENESIS, chain_hash

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = ("UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("not_before", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="ck_webhook_delivery_status"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_webhook_delivery_key"),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_delivery_due", ["status", "not_before"], unique=False)

    # The existing trail is chained in id order. Its append-only triggers would refuse the
    # backfill, so they are off for this transaction only (SQLite: dropped and made again,
    # which the table rebuild below needs anyway).
    _append_only(False)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("event_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column("event_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_prev_hash", ["prev_hash"])
    _append_only(True)


def _append_only(on: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_event {'ENABLE' if on else 'DISABLE'} TRIGGER audit_event_append_only")
        return
    for verb in _SQLITE_TRIGGERS:
        if on:
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{verb.lower()}")


def _chain_existing_events(batch: int = 1000) -> None:
    bind = op.get_bind()
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("at", storage.types.UTCDateTime()),
        sa.column("actor", sa.String()),
        sa.column("record_type", sa.String()),
        sa.column("record_ref", sa.String()),
        sa.column("action", sa.String()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("note", sa.Text()),
        sa.column("prev_hash", sa.String()),
        sa.column("event_hash", sa.String()),
    )
    prev, last_id = GENESIS, 0
    while True:
        rows = bind.execute(sa.select(events).where(events.c.id > last_id).order_by(events.c.id).limit(batch)).all()
        if not rows:
            return
        links = []
        for row in rows:
            digest = chain_hash(row, prev)
            links.append({"row_id": row.id, "prev": prev, "digest": digest})
            prev, last_id = digest, row.id
        bind.execute(
            events.update()
            .where(events.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev"), event_hash=sa.bindparam("digest")),
            links,
        )


def downgrade() -> None:
    _append_only(False)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_event_prev_hash", type_="unique")
        batch_op.drop_column("event_hash")
        batch_op.drop_column("prev_hash")
    _append_only(True)

    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_due")

    op.drop_table("webhook_delivery")
