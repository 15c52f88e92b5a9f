"""The registers an export holds: one small entry in `REGISTERS` each, with its sheet name,
its columns (header, kind, width) and a function streaming its rows for a period, in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlmodel import Session

from bot.export import competence, equipment, nonconforming, risk_register, supplier_sheets
from bot.export.files import EVIDENCE_COLUMNS
from bot.export.forms import ExportError, Period
from storage import export as queries

EXCEL_MAX_COLUMNS = 16_384


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, long, person, date, datetime, int, float, json
    width: int = 14


Rows = Callable[[Session, Period], Iterator[Sequence[Any]]]


@dataclass(frozen=True)
class Register:
    sheet: str  # at most 31 characters (Excel)
    file: str  # the CSV's name
    columns: tuple[Column, ...]
    rows: Rows
    # Registers whose columns depend on the data (the training matrix) compute them here.
    columns_for: Callable[[Session, Period], tuple[Column, ...]] | None = None

    def header(self, session: Session, period: Period) -> tuple[Column, ...]:
        return self.columns_for(session, period) if self.columns_for else self.columns


def _query(make: Callable[..., Any], by_date: bool = False) -> Rows:
    """Rows of a storage query limited to the period by its register's date or time."""

    def rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
        bounds = (period.first, period.end_date) if by_date else (period.start, period.end)
        return queries.stream(session, make(*bounds))

    return rows


def _actions(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    for nc, seq, *rest in queries.stream(session, queries.actions(period.start, period.end)):
        yield (nc, f"A{seq}", *rest)


def _matrix_columns(session: Session, period: Period) -> tuple[Column, ...]:
    rounds = [
        Column(f"{number} {doc} rev {revision}", "date", 16)
        for _, number, doc, revision in queries.stream(session, queries.matrix_rounds(period.start, period.end))
    ]
    if len(rounds) + 1 > EXCEL_MAX_COLUMNS:
        raise ExportError(
            f"{len(rounds)} training rounds are more columns than a sheet holds; export a shorter period with --from/--to"
        )
    return (Column("Person", "person", 24), *rounds)


def _matrix(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    """One row per person: the acknowledgement date per round, 'pending', or blank (not in its audience)."""
    position = {
        rid: k for k, (rid, *_) in enumerate(queries.stream(session, queries.matrix_rounds(period.start, period.end)))
    }
    cells = queries.stream(session, queries.matrix_cells(period.start, period.end))
    for person, assignments in groupby(cells, key=lambda c: c[0]):
        row: list[Any] = [None] * len(position)
        for _, round_id, status, acknowledged_at in assignments:
            row[position[round_id]] = acknowledged_at if status == "acknowledged" else "pending"
        yield (person, *row)


def _objectives(standing_of: Callable[[Session, Period], dict[int, tuple[str, float | None, str]]]) -> Rows:
    def rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
        standings = standing_of(session, period)
        for oid, *rest in queries.stream(session, queries.objectives()):
            now = standings.get(oid, ("", None, ""))
            yield (f"OBJ-{oid}", *rest, *now)

    return rows


def _current_standings(session: Session, period: Period) -> dict[int, tuple[str, float | None, str]]:
    from bot.objectives import standings

    today = min(period.today, period.last) if period.last else period.today
    return {s.objective.id or 0: (s.period, s.value, s.status) for s in standings(session, today, period.zone)}


def _measurements(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    for oid, *rest in queries.stream(session, queries.measurements(period.start, period.end)):
        yield (f"OBJ-{oid}", *rest)


def _c(header: str, kind: str = "text", width: int = 14) -> Column:
    return Column(header, kind, width)


# The message a record was raised from, as copied (also from a private conversation: the
# export is evidence for QMS managers and auditors).
MESSAGE_COPY = (_c("From message", width=30), _c("Message author", "person", 20), _c("Message copy", "long", 50))


def _from(specs: Sequence[tuple[str, str, tuple[tuple[str, str, int], ...], Rows]]) -> list[Register]:
    """Registers kept in modules of their own, as (sheet, CSV file, columns, rows)."""
    return [Register(sheet, file, tuple(Column(*c) for c in cols), rows) for sheet, file, cols, rows in specs]


REGISTERS: list[Register] = [
    Register(
        "NC register",
        "nc-register.csv",
        (
            _c("NC", width=14),
            _c("Title", "long", 40),
            _c("Status", width=18),
            _c("Severity", width=11),
            _c("Source", width=16),
            _c("Process", width=18),
            _c("Supplier", width=18),
            _c("ISO clause", width=10),
            _c("Owner", "person", 20),
            _c("Raised by", "person", 20),
            _c("Raised", "datetime", 19),
            _c("Due", "date", 11),
            _c("Description", "long", 50),
            _c("Containment at raising", "long", 30),
            _c("Containment", "long", 30),
            _c("Root cause method", width=12),
            _c("Root cause", "long", 40),
            _c("Could occur elsewhere", width=10),
            _c("Actions done", "datetime", 19),
            _c("Verified by", "person", 20),
            _c("Verified", "datetime", 19),
            _c("Verification note", "long", 30),
            _c("Failed verifications", "int", 10),
            _c("Closed by", "person", 20),
            _c("Closed", "datetime", 19),
            _c("Cancel reason", "long", 30),
            _c("Recurrence of", width=14),
            _c("Card", width=30),
            *MESSAGE_COPY,
        ),
        _query(queries.nonconformities),
    ),
    Register(
        "Actions",
        "actions.csv",
        (
            _c("NC or risk", width=14),
            _c("Action", width=8),
            _c("Kind", width=11),
            _c("Description", "long", 50),
            _c("Owner", "person", 20),
            _c("Due", "date", 11),
            _c("Status", width=8),
            _c("Added by", "person", 20),
            _c("Added", "datetime", 19),
            _c("Done by", "person", 20),
            _c("Done", "datetime", 19),
            _c("Evidence", "long", 40),
        ),
        _actions,
    ),
    *_from((*nonconforming.REGISTERS, (*risk_register.NAMES, risk_register.COLUMNS, risk_register.rows))),
    Register(
        "Training rounds",
        "training-rounds.csv",
        (
            _c("Round", width=14),
            _c("Title", "long", 36),
            _c("Document", width=12),
            _c("Revision", width=9),
            _c("Link", width=30),
            _c("What changed", "long", 40),
            _c("Published by", "person", 20),
            _c("Published", "datetime", 19),
            _c("Read by", "date", 11),
            _c("Status", width=8),
            _c("Closed", "datetime", 19),
            _c("People", "int", 8),
            _c("Acknowledged", "int", 12),
        ),
        _query(queries.rounds),
    ),
    Register("Training matrix", "training-matrix.csv", (), _matrix, columns_for=_matrix_columns),
    Register(
        "Feedback log",
        "feedback-log.csv",
        (
            _c("Feedback", width=14),
            _c("Kind", width=11),
            _c("Customer", width=24),
            _c("Product or service", width=20),
            _c("Received via", width=10),
            _c("Rating", "int", 7),
            _c("What the customer said", "long", 50),
            _c("Received", "date", 11),
            _c("Logged by", "person", 20),
            _c("Logged", "datetime", 19),
            _c("Owner", "person", 20),
            _c("Answer by", "date", 11),
            _c("State", width=10),
            _c("Answered", "datetime", 19),
            _c("Answered by", "person", 20),
            _c("Resolved", "datetime", 19),
            _c("Resolved by", "person", 20),
            _c("NC", width=14),
            *MESSAGE_COPY,
        ),
        _query(queries.feedback, by_date=True),
    ),
    Register(
        "Objectives",
        "objectives.csv",
        (
            _c("Objective", width=10),
            _c("Name", "long", 36),
            _c("Measure", width=20),
            _c("Target", "float", 9),
            _c("Direction", width=9),
            _c("Unit", width=8),
            _c("Period", width=8),
            _c("Defined by", "person", 20),
            _c("Defined", "datetime", 19),
            _c("Current period", width=10),
            _c("Value", "float", 9),
            _c("Status", width=9),
        ),
        _objectives(_current_standings),
    ),
    Register(
        "Measurements",
        "measurements.csv",
        (
            _c("Objective", width=10),
            _c("Name", "long", 36),
            _c("Period", width=10),
            _c("Value", "float", 9),
            _c("Unit", width=8),
            _c("Logged by", "person", 20),
            _c("Logged", "datetime", 19),
        ),
        _measurements,
    ),
    Register(
        "Audit programme",
        "audit-programme.csv",
        (
            _c("Audit", width=14),
            _c("Process", width=18),
            _c("Scope", "long", 40),
            _c("Clauses", width=14),
            _c("Lead auditor", "person", 20),
            _c("Auditees", "json", 30),
            _c("Planned", "date", 11),
            _c("Status", width=10),
            _c("Planned by", "person", 20),
            _c("Planned on", "datetime", 19),
            _c("Summary", "long", 50),
            _c("Completed by", "person", 20),
            _c("Completed", "datetime", 19),
        ),
        _query(queries.audits, by_date=True),
    ),
    Register(
        "Audit findings",
        "audit-findings.csv",
        (
            _c("Audit", width=14),
            _c("Finding", "int", 8),
            _c("Kind", width=14),
            _c("Finding text", "long", 60),
            _c("NC", width=14),
        ),
        _query(queries.audit_findings, by_date=True),
    ),
    Register(
        "Audit checklists",
        "audit-checklists.csv",
        (
            _c("Audit", width=14),
            _c("Line", "int", 6),
            _c("ISO clause", width=10),
            _c("Question", "long", 50),
            _c("Answer", width=14),
            _c("Note", "long", 40),
            _c("Answered by", "person", 20),
            _c("Answered", "datetime", 19),
            _c("NC", width=14),
        ),
        _query(queries.audit_checklists, by_date=True),
    ),
    # The register as it stands (a document's current revision and next review); its reviews by date.
    Register(
        "Document register",
        "document-register.csv",
        (
            _c("Reference", width=14),
            _c("Title", "long", 40),
            _c("Revision", width=9),
            _c("Owner", "person", 20),
            _c("Link", width=30),
            _c("Review every (months)", "int", 10),
            _c("Last reviewed", "date", 11),
            _c("Next review", "date", 11),
            _c("Registered by", "person", 20),
            _c("Registered", "datetime", 19),
        ),
        lambda session, period: queries.stream(session, queries.documents()),
    ),
    Register(
        "Document reviews",
        "document-reviews.csv",
        (
            _c("Reference", width=14),
            _c("Reviewed", "date", 11),
            _c("Reviewed by", "person", 20),
            _c("Outcome", width=10),
            _c("Revision before", width=9),
            _c("Revision after", width=9),
            _c("What changed", "long", 40),
            _c("Training round", width=14),
            _c("Recorded", "datetime", 19),
        ),
        _query(queries.document_reviews, by_date=True),
    ),
    *_from((*equipment.REGISTERS, *competence.REGISTERS, *supplier_sheets.SHEETS)),
    Register(
        "Management reviews",
        "management-reviews.csv",
        (
            _c("Review", width=14),
            _c("Planned", "date", 11),
            _c("Status", width=9),
            _c("Recurrence", width=11),
            _c("Attendees", "json", 30),
            _c("Scheduled by", "person", 20),
            _c("Scheduled", "datetime", 19),
            _c("Held", "date", 11),
            _c("Minutes and decisions", "long", 60),
            _c("Recorded by", "person", 20),
            _c("Recorded", "datetime", 19),
            _c("Follows", width=14),
        ),
        _query(queries.management_reviews, by_date=True),
    ),
    Register(
        "Review actions",
        "review-actions.csv",
        (
            _c("Review", width=14),
            _c("Action", "int", 7),
            _c("Description", "long", 50),
            _c("Owner", "person", 20),
            _c("Due", "date", 11),
            _c("Status", width=8),
            _c("Done by", "person", 20),
            _c("Done", "datetime", 19),
            _c("Evidence", "long", 40),
        ),
        _query(queries.review_actions, by_date=True),
    ),
    Register(
        "Evidence files",
        "evidence-files.csv",
        tuple(Column(*spec) for spec in EVIDENCE_COLUMNS),
        _query(queries.evidence_files),
    ),
    Register(
        "Audit trail",
        "audit-trail.csv",
        (
            _c("Event", "int", 8),
            _c("When", "datetime", 19),
            _c("Who", "person", 20),
            _c("Record type", width=14),
            _c("Record", width=14),
            _c("What", width=20),
            _c("Before", "json", 40),
            _c("After", "json", 40),
            _c("Note", "long", 30),
            _c("Previous hash", width=20),
            _c("Hash", width=20),
        ),
        _query(queries.trail),
    ),
]
