"""The tables of monitoring and measuring equipment (ISO 9001 7.1.5): each gauge, and each
calibration recorded of it. Kept apart from `storage.models` only to keep that file readable."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import LOOK_NOW, _in, _when

# What is kept; "due" and "overdue" are read from the dates, so they never go stale.
EQUIPMENT_STATUSES = ("in_use", "out_of_service", "quarantined")
CALIBRATION_RESULTS = ("pass", "adjusted", "fail")


class MeasuringEquipment(SQLModel, table=True):
    """A gauge, instrument or rig whose results the organisation relies on, identified by its tag."""

    __tablename__ = "measuring_equipment"
    __table_args__ = (
        Index("ix_measuring_equipment_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("tag_key", name="uq_measuring_equipment_tag"),
        _in("status", EQUIPMENT_STATUSES, "ck_measuring_equipment_status"),
        Index("ix_measuring_equipment_due", "status", "next_due"),
        Index("ix_measuring_equipment_owner", "owner", "next_due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tag: str = Field(max_length=40)
    tag_key: str = Field(max_length=40)  # the tag as compared: case and spaces folded
    description: str = Field(max_length=150)
    location: str = Field(max_length=100)
    owner: str = Field(max_length=32)
    interval_months: int
    last_calibrated: date | None = None
    next_due: date
    status: str = Field(default="in_use", max_length=16)
    # The NC opened by the failed calibration that quarantined it (7.1.5.2), while quarantined.
    quarantine_nc_id: int | None = Field(default=None, foreign_key="nonconformity.id")
    added_by: str = Field(max_length=32)
    added_at: datetime = _when()
    version: int = 1  # a button carries the version it was drawn for (decision 48)
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class Calibration(SQLModel, table=True):
    """One calibration of a piece of equipment: when, by whom, the result and its certificate."""

    __tablename__ = "calibration"
    __table_args__ = (
        _in("result", CALIBRATION_RESULTS, "ck_calibration_result"),
        Index("ix_calibration_equipment", "equipment_id", "calibrated_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    equipment_id: int = Field(foreign_key="measuring_equipment.id")
    calibrated_on: date
    performed_by: str = Field(max_length=150)  # "internal" work names the person; a lab its name
    by_lab: bool = False
    result: str = Field(max_length=10)
    certificate: str | None = Field(default=None, max_length=1000)  # the certificate's number or link
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    next_due: date
    nc_id: int | None = Field(default=None, foreign_key="nonconformity.id")  # opened by a fail
    recorded_by: str = Field(max_length=32)
    recorded_at: datetime = _when()
