"""monitoring and measuring equipment and its calibrations (ISO 9001 7.1.5)

Revision ID: 0019_equipment
Revises: 0018_suppliers
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0019_equipment"
down_revision = "0018_suppliers"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_when = storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "measuring_equipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag", _text(length=40), nullable=False),
        sa.Column("tag_key", _text(length=40), nullable=False),
        sa.Column("description", _text(length=150), nullable=False),
        sa.Column("location", _text(length=100), nullable=False),
        sa.Column("owner", _text(length=32), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.Column("last_calibrated", sa.Date(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("status", _text(length=16), nullable=False),
        sa.Column("quarantine_nc_id", sa.Integer(), nullable=True),
        sa.Column("added_by", _text(length=32), nullable=False),
        sa.Column("added_at", _when(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("next_nudge_at", _when(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('in_use', 'out_of_service', 'quarantined')", name="ck_measuring_equipment_status"
        ),
        sa.ForeignKeyConstraint(["quarantine_nc_id"], ["nonconformity.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tag_key", name="uq_measuring_equipment_tag"),
    )
    op.create_index("ix_measuring_equipment_next_nudge", "measuring_equipment", ["next_nudge_at"], unique=False)
    op.create_index("ix_measuring_equipment_due", "measuring_equipment", ["status", "next_due"], unique=False)
    op.create_index("ix_measuring_equipment_owner", "measuring_equipment", ["owner", "next_due"], unique=False)
    op.create_table(
        "calibration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("calibrated_on", sa.Date(), nullable=False),
        sa.Column("performed_by", _text(length=150), nullable=False),
        sa.Column("by_lab", sa.Boolean(), nullable=False),
        sa.Column("result", _text(length=10), nullable=False),
        sa.Column("certificate", _text(length=1000), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", _text(length=32), nullable=False),
        sa.Column("recorded_at", _when(timezone=True), nullable=False),
        sa.CheckConstraint("result IN ('pass', 'adjusted', 'fail')", name="ck_calibration_result"),
        sa.ForeignKeyConstraint(["equipment_id"], ["measuring_equipment.id"]),
        sa.ForeignKeyConstraint(["nc_id"], ["nonconformity.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_calibration_equipment", "calibration", ["equipment_id", "calibrated_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calibration_equipment", table_name="calibration")
    op.drop_table("calibration")
    op.drop_index("ix_measuring_equipment_owner", table_name="measuring_equipment")
    op.drop_index("ix_measuring_equipment_due", table_name="measuring_equipment")
    op.drop_index("ix_measuring_equipment_next_nudge", table_name="measuring_equipment")
    op.drop_table("measuring_equipment")
