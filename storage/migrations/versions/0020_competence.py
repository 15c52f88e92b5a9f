"""competence required by role: a user group's or a channel's required documents and their renewal

Revision ID: 0020_competence
Revises: 0019_equipment
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0020_competence"
down_revision = "0019_equipment"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "competence_requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_kind", _text(length=10), nullable=False),
        sa.Column("role_id", _text(length=32), nullable=False),
        sa.Column("role_name", _text(length=100), nullable=False),
        sa.Column("doc_ref", _text(length=40), nullable=False),
        sa.Column("doc_key", _text(length=40), nullable=False),
        sa.Column("renew_months", sa.Integer(), nullable=True),
        sa.Column("added_by", _text(length=32), nullable=False),
        sa.Column("added_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role_kind IN ('usergroup', 'channel')", name="ck_competence_requirement_role_kind"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("role_id", "doc_key", name="uq_competence_requirement_role_doc"),
    )
    op.create_index("ix_competence_requirement_doc", "competence_requirement", ["doc_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_competence_requirement_doc", table_name="competence_requirement")
    op.drop_table("competence_requirement")
