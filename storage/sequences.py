"""Record numbers people can say out loud: NC-2026-0007."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from storage.models import RecordSequence
from storage.upsert import insert_ignore


def next_number(session: Session, prefix: str, year: int) -> str:
    """Take the next number for `prefix` in `year` inside the caller's transaction.

    The increment is a row-locking UPDATE, so concurrent submissions queue behind each
    other; if the caller's transaction rolls back, so does the number: no gaps, no doubles.
    """
    insert_ignore(session, RecordSequence, {"prefix": prefix, "year": year, "last": 0}, ["prefix", "year"])
    last = session.execute(
        update(RecordSequence)
        .where(col(RecordSequence.prefix) == prefix, col(RecordSequence.year) == year)
        .values(last=col(RecordSequence.last) + 1)
        .returning(col(RecordSequence.last))
    ).scalar_one()
    return format_number(prefix, year, last)


def format_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:04d}"
