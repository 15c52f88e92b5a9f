"""Evidence files kept with QMS records (ISO 9001 7.5.3): what was attached, and the bytes.

Apart from models.py, as the programme's tables are, so that the evidence store reads as one
piece. Two tables: `evidence_content` holds each file's bytes once, keyed by their SHA-256
(the same photo attached to three records is stored once); `evidence_file` is one file
attached to one record, by whom and when. Neither is updated or deleted by the bot.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class EvidenceContent(SQLModel, table=True):
    """A file's bytes, under their SHA-256: written once, never overwritten."""

    __tablename__ = "evidence_content"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stored_at: datetime = Field(sa_type=UTCDateTime())


class EvidenceFile(SQLModel, table=True):
    """One file attached to one record (its trail's record_type and record_ref), at one step."""

    __tablename__ = "evidence_file"
    __table_args__ = (
        # The same file attached to the same record again (a resubmitted form) is one row.
        UniqueConstraint("record_type", "record_ref", "sha256", name="uq_evidence_file_record_sha"),
        Index("ix_evidence_file_record", "record_type", "record_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)
    record_ref: str = Field(max_length=40)
    step: str = Field(max_length=60)  # what it is evidence of: "containment", "A1 done"…
    name: str = Field(max_length=255)
    mimetype: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64, index=True)
    slack_file: str = Field(max_length=32)  # Slack's file ID: the file in Slack may be deleted later
    permalink: str | None = Field(default=None, max_length=500)
    uploaded_by: str = Field(max_length=32)
    attached_at: datetime = Field(sa_type=UTCDateTime())
