"""The external providers register (ISO 9001 8.4): suppliers, their status and their evaluations.

Beside models.py (which imports it) so that every table is known wherever the models are.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import LOOK_NOW, _in, _when

SUPPLIER_STATUSES = ("approved", "conditional", "blocked")


class Supplier(SQLModel, table=True):
    """An external provider: what it supplies, against which criteria it is evaluated, its
    status (approved, conditional, blocked) and when it is next evaluated, by its owner."""

    __tablename__ = "supplier"
    __table_args__ = (
        UniqueConstraint("name_key", name="uq_supplier_name"),
        _in("status", SUPPLIER_STATUSES, "ck_supplier_status"),
        Index("ix_supplier_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        Index("ix_supplier_next_evaluation", "next_evaluation"),
        Index("ix_supplier_status", "status", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=150)
    # The name case-folded, spaces collapsed: "ACME  plastics" and "Acme Plastics" are one supplier.
    name_key: str = Field(max_length=150)
    supplies: str = Field(max_length=300)
    status: str = Field(default="approved", max_length=12)
    criteria: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(max_length=32)
    last_evaluated: date | None = None
    next_evaluation: date
    # Why it is conditional or blocked (the last decision's reason), shown beside its status.
    status_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    added_by: str = Field(max_length=32)
    added_at: datetime = _when()
    # Goes up with every change; a button carries the version it was drawn for.
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class SupplierEvaluation(SQLModel, table=True):
    """One evaluation, kept for good: the scorecard the bot compiled from the records since the
    previous one, the owner's score, and the decision with its reason."""

    __tablename__ = "supplier_evaluation"
    __table_args__ = (
        _in("decision", SUPPLIER_STATUSES, "ck_supplier_evaluation_decision"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_supplier_evaluation_score"),
        Index("ix_supplier_evaluation_supplier", "supplier_id", "id"),
        Index("ix_supplier_evaluation_on", "evaluated_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id")
    evaluated_on: date
    evaluated_by: str = Field(max_length=32)
    # The scorecard's period: from the previous evaluation (or the supplier's registration) to this one.
    period_from: date
    ncs: int
    complaints: int
    returned: float  # quantity returned to the supplier by dispositions of its NCs
    score: int  # the owner's judgement against the criteria, 1 (poor) to 5 (excellent)
    status_before: str = Field(max_length=12)
    decision: str = Field(max_length=12)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    due_on: date  # the evaluation date it answered (on time when evaluated_on <= due_on)
    next_evaluation: date
    recorded_at: datetime = _when()
