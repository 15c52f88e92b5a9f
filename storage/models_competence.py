"""Competence required by role (ISO 9001 7.2): which documents or trainings the members of a
user group or a channel must have read and acknowledged, and how often again. Kept apart from
`storage.models` only to keep that file readable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _in, _when

ROLE_KINDS = ("usergroup", "channel")


class CompetenceRequirement(SQLModel, table=True):
    """Members of a role (a Slack user group or a channel) must hold a document's current
    revision, acknowledged, renewed every `renew_months` when given."""

    __tablename__ = "competence_requirement"
    __table_args__ = (
        UniqueConstraint("role_id", "doc_key", name="uq_competence_requirement_role_doc"),
        _in("role_kind", ROLE_KINDS, "ck_competence_requirement_role_kind"),
        Index("ix_competence_requirement_doc", "doc_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    role_kind: str = Field(max_length=10)
    role_id: str = Field(max_length=32)  # S… or C…
    role_name: str = Field(max_length=100)  # as the role was called when the requirement was set
    doc_ref: str = Field(max_length=40)
    doc_key: str = Field(max_length=40)  # as training rounds compare it (bot.training.reference_key)
    renew_months: int | None = None
    added_by: str = Field(max_length=32)
    added_at: datetime = _when()
