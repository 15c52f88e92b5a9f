"""Nonconforming outputs (ISO 9001 8.7): what an NC affected, and the decisions on it.

Beside models.py (which imports it) so that every table is known wherever the models are.
Quantities are floats: output is counted in pieces, but also weighed in kg or measured in m.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import LOOK_NOW, _in, _when

DISPOSITION_KINDS = ("concession", "rework", "repair", "regrade", "scrap", "return_to_supplier", "recall")
DISPOSITION_STATES = ("pending", "approved", "rejected")
REVERIFY_RESULTS = ("conforming", "nonconforming")


class AffectedOutput(SQLModel, table=True):
    """The product or service an NC is about, how much of it, and where it is held (8.7.1).

    One per NC. `version` goes up with every change to it and with every decision on it, so
    two decisions taken at once are serialised on this row and never decide more than it holds.
    """

    __tablename__ = "affected_output"
    __table_args__ = (
        UniqueConstraint("nc_id", name="uq_affected_output_nc"),
        CheckConstraint("quantity > 0", name="ck_affected_output_quantity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    nc_id: int = Field(foreign_key="nonconformity.id")
    item: str = Field(max_length=150)  # the part, product or service
    quantity: float
    unit: str = Field(max_length=20)
    lots: str | None = Field(default=None, max_length=500)  # lot, batch or serial numbers
    held_at: str | None = Field(default=None, max_length=150)
    unit_cost: float | None = None  # in the organisation's currency, for the cost of poor quality
    recorded_by: str = Field(max_length=32)
    recorded_at: datetime = _when()
    version: int = 1


class Disposition(SQLModel, table=True):
    """A decision on part of the affected output, numbered D1, D2, … within the NC (8.7.1, 8.7.2).

    Recorded by the NC owner (or a QMS manager), authorised by a disposition approver who did
    not record it; rework and repair are released only once re-verified as conforming.
    """

    __tablename__ = "disposition"
    __table_args__ = (
        UniqueConstraint("nc_id", "seq", name="uq_disposition_seq"),
        _in("kind", DISPOSITION_KINDS, "ck_disposition_kind"),
        _in("status", DISPOSITION_STATES, "ck_disposition_status"),
        CheckConstraint("quantity > 0", name="ck_disposition_quantity"),
        CheckConstraint(
            "reverify_result IS NULL OR reverify_result IN ('conforming', 'nonconforming')",
            name="ck_disposition_reverify",
        ),
        Index("ix_disposition_authorised", "status", "authorised_at"),  # the figures for a period
        Index("ix_disposition_next_nudge", "next_nudge_at"),  # the decisions a nudge tick looks at now
        # The decisions awaiting authorisation, oldest first (an approver's Home tab).
        Index("ix_disposition_pending", "status", "decided_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    nc_id: int = Field(foreign_key="nonconformity.id")
    seq: int
    kind: str = Field(max_length=20)
    quantity: float
    reason: str = Field(sa_column=Column(Text, nullable=False))
    concession_ref: str | None = Field(default=None, max_length=100)
    status: str = Field(default="pending", max_length=10)
    decided_by: str = Field(max_length=32)
    decided_at: datetime = _when()
    authorised_by: str | None = Field(default=None, max_length=32)
    authorised_at: datetime | None = _when(default=None, nullable=True)
    authorisation_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reverified_by: str | None = Field(default=None, max_length=32)
    reverified_at: datetime | None = _when(default=None, nullable=True)
    reverify_result: str | None = Field(default=None, max_length=14)
    reverify_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = 1
    # The approvers asked to authorise it (their reminders go to them); None: nobody could be.
    asked: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # When the nudge tick next looks at it (storage/marks.py): reminders while it awaits authorisation.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)
