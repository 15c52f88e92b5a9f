"""the risk and opportunity register: risks, their scorings, treatment actions and the NCs that realised them

Revision ID: 0017_risks
Revises: 0016_disposition_pending
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0017_risks"
down_revision = "0016_disposition_pending"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_when = storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "risk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", _text(length=20), nullable=False),
        sa.Column("kind", _text(length=12), nullable=False),
        sa.Column("process", _text(length=75), nullable=False),
        sa.Column("title", _text(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("owner", _text(length=32), nullable=False),
        sa.Column("reporter", _text(length=32), nullable=False),
        sa.Column("treatment", _text(length=12), nullable=True),
        sa.Column("treatment_note", sa.Text(), nullable=True),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("residual_score", sa.Integer(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("status", _text(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("raised_at", _when(timezone=True), nullable=False),
        sa.Column("updated_at", _when(timezone=True), nullable=False),
        sa.Column("treated_at", _when(timezone=True), nullable=True),
        sa.Column("treated_by", _text(length=32), nullable=True),
        sa.Column("reviewed_at", _when(timezone=True), nullable=True),
        sa.Column("reviewed_by", _text(length=32), nullable=True),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.Column("card_channel", _text(length=32), nullable=True),
        sa.Column("card_ts", _text(length=32), nullable=True),
        sa.Column("card_permalink", _text(length=500), nullable=True),
        sa.Column("next_nudge_at", _when(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('risk', 'opportunity')", name="ck_risk_kind"),
        sa.CheckConstraint("status IN ('open', 'treated', 'closed')", name="ck_risk_status"),
        sa.CheckConstraint(
            "treatment IS NULL OR treatment IN ('accept', 'reduce', 'avoid', 'transfer', 'pursue', 'defer')",
            name="ck_risk_treatment",
        ),
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5 AND impact BETWEEN 1 AND 5", name="ck_risk_scale"),
        sa.ForeignKeyConstraint(["origin_id"], ["message_capture.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_risk_number"),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index("ix_risk_next_nudge", ["next_nudge_at"], unique=False)
        batch_op.create_index("ix_risk_status", ["status", "review_date"], unique=False)
        batch_op.create_index("ix_risk_owner", ["owner", "status"], unique=False)
    op.create_table(
        "risk_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("kind", _text(length=10), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_by", _text(length=32), nullable=False),
        sa.Column("scored_at", _when(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('initial', 'residual', 'review')", name="ck_risk_score_kind"),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.create_index("ix_risk_score_risk", ["risk_id", "scored_at"], unique=False)
        batch_op.create_index("ix_risk_score_at", ["scored_at"], unique=False)
    # An action belongs to an NC or to a risk: nc_id may now be empty, exactly one is set.
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_id", sa.Integer(), nullable=True))
        batch_op.alter_column("nc_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key("fk_corrective_action_risk", "risk", ["risk_id"], ["id"])
        batch_op.create_unique_constraint("uq_corrective_action_risk_seq", ["risk_id", "seq"])
        batch_op.create_unique_constraint("uq_corrective_action_risk_submission", ["risk_id", "submission"])
        batch_op.create_check_constraint("ck_corrective_action_parent", "(nc_id IS NULL) <> (risk_id IS NULL)")
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_nonconformity_risk", "risk", ["risk_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_constraint("fk_nonconformity_risk", type_="foreignkey")
        batch_op.drop_column("risk_id")
    op.execute("DELETE FROM corrective_action WHERE risk_id IS NOT NULL")
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_constraint("ck_corrective_action_parent", type_="check")
        batch_op.drop_constraint("uq_corrective_action_risk_submission", type_="unique")
        batch_op.drop_constraint("uq_corrective_action_risk_seq", type_="unique")
        batch_op.drop_constraint("fk_corrective_action_risk", type_="foreignkey")
        batch_op.alter_column("nc_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("risk_id")
    with op.batch_alter_table("risk_score", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_score_at")
        batch_op.drop_index("ix_risk_score_risk")
    op.drop_table("risk_score")
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_owner")
        batch_op.drop_index("ix_risk_status")
        batch_op.drop_index("ix_risk_next_nudge")
    op.drop_table("risk")
