"""The risk and opportunity register (ISO 9001 6.1): each risk or opportunity, and every scoring of it.

Beside models.py (which imports it) so that every table is known wherever the models are.
A score is likelihood × impact on a 5×5 matrix; each scoring is kept (`RiskScore`: the
initial one, the residual one a treatment expects, and each review's), so whether a score
rose since last week, or fell after treatment, is read from the history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import LOOK_NOW, _in, _when

RISK_KINDS = ("risk", "opportunity")
RISK_TREATMENTS = ("accept", "reduce", "avoid", "transfer", "pursue", "defer")
RISK_STATUSES = ("open", "treated", "closed")
SCORE_KINDS = ("initial", "residual", "review")


class Risk(SQLModel, table=True):
    """A risk or an opportunity, scored, treated by its owner and reviewed on a date.

    `version` goes up with every change (a compare-and-set, storage.records.change), so a
    Treat or Review form opened on an older version changes nothing.
    """

    __tablename__ = "risk"
    __table_args__ = (
        Index("ix_risk_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("number", name="uq_risk_number"),
        _in("kind", RISK_KINDS, "ck_risk_kind"),
        _in("status", RISK_STATUSES, "ck_risk_status"),
        CheckConstraint(
            "treatment IS NULL OR treatment IN ('accept', 'reduce', 'avoid', 'transfer', 'pursue', 'defer')",
            name="ck_risk_treatment",
        ),
        CheckConstraint("likelihood BETWEEN 1 AND 5 AND impact BETWEEN 1 AND 5", name="ck_risk_scale"),
        Index("ix_risk_status", "status", "review_date"),
        Index("ix_risk_owner", "owner", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    kind: str = Field(max_length=12)
    process: str = Field(max_length=75)
    title: str = Field(max_length=150)
    description: str = Field(sa_column=Column(Text, nullable=False))
    likelihood: int
    impact: int
    score: int
    owner: str = Field(max_length=32)
    reporter: str = Field(max_length=32)
    treatment: str | None = Field(default=None, max_length=12)
    treatment_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    residual_score: int | None = None
    review_date: date
    status: str = Field(default="open", max_length=12)
    version: int = 1
    raised_at: datetime = _when()
    updated_at: datetime = _when()
    treated_at: datetime | None = _when(default=None, nullable=True)
    treated_by: str | None = Field(default=None, max_length=32)
    reviewed_at: datetime | None = _when(default=None, nullable=True)
    reviewed_by: str | None = Field(default=None, max_length=32)
    origin_id: int | None = Field(default=None, foreign_key="message_capture.id")
    card_channel: str | None = Field(default=None, max_length=32)
    card_ts: str | None = Field(default=None, max_length=32)
    card_permalink: str | None = Field(default=None, max_length=500)
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class RiskScore(SQLModel, table=True):
    """One scoring of a risk: when raised (initial), as a treatment expects it (residual), at a review."""

    __tablename__ = "risk_score"
    __table_args__ = (
        _in("kind", SCORE_KINDS, "ck_risk_score_kind"),
        Index("ix_risk_score_risk", "risk_id", "scored_at"),
        Index("ix_risk_score_at", "scored_at"),  # the digest: scorings of the week
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id")
    kind: str = Field(max_length=10)
    likelihood: int
    impact: int
    score: int
    scored_by: str = Field(max_length=32)
    scored_at: datetime = _when()
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
