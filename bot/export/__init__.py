"""Evidence export for auditors: every register in one workbook (or one CSV per register).

A register is one small entry in `REGISTERS`: its sheet name, its columns (header, kind,
width) and a function streaming its rows from storage for a period. The workbook is
written with XlsxWriter in constant-memory mode (each row goes to disk as the next one
starts) and rows come from the database in batches, so 100,000 NCs or a million
acknowledgements never sit in memory at once (bench/export_memory.py).

Dates and times are shown in the organisation's timezone (QMS_TIMEZONE).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import groupby
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlmodel import Session

from storage import export as queries
from storage.db import Database

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_TEXT = 32_767
CUT = " …[cut: longer than a spreadsheet cell holds]"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A text cell starting with one of these is a formula to a spreadsheet opening the CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, long, person, date, datetime, int, float, json
    width: int = 14


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last`, both in the organisation's timezone; open when None."""

    first: date | None
    last: date | None
    zone: tzinfo
    today: date  # from the bot's clock: the objectives' current period

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.first, time(0), self.zone) if self.first else None

    @property
    def end(self) -> datetime | None:
        return datetime.combine(self.last + timedelta(days=1), time(0), self.zone) if self.last else None

    @property
    def end_date(self) -> date | None:
        return self.last + timedelta(days=1) if self.last else None

    def describe(self) -> str:
        if not (self.first or self.last):
            return "everything on record"
        return f"{self.first or 'the start'} to {self.last or 'today'}"


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
        ),
        _query(queries.nonconformities),
    ),
    Register(
        "Actions",
        "actions.csv",
        (
            _c("NC", width=14),
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


class ExportError(ValueError):
    """The export cannot be written as asked; the message says what to change."""


@dataclass
class Cells:
    """Turns stored values into what a sheet or a CSV shows: local times, names, JSON."""

    zone: tzinfo
    name_of: Callable[[str], str] | None = None

    def value(self, column: Column, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if isinstance(raw, datetime):  # a date column may hold a time (the matrix's acknowledgements)
            local = raw.astimezone(self.zone).replace(tzinfo=None)
            return local.date() if column.kind == "date" else local
        if column.kind == "json":
            return json.dumps(raw, ensure_ascii=False, sort_keys=True)
        if column.kind == "person" and self.name_of:
            name = self.name_of(str(raw))
            return f"{name} ({raw})" if name and name != raw else str(raw)
        if column.kind in ("int", "float") or isinstance(raw, date):
            return raw
        return str(raw)

    @staticmethod
    def text(value: Any) -> str:
        """The CSV form of a cell value (and what a test compares a sheet's cells with)."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime(DATETIME_FORMAT)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float):
            return repr(value)
        return str(value)


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return ", ".join(f"{sheet}: {n}" for sheet, n in self.rows.items())


def _cells(
    register: Register, columns: tuple[Column, ...], session: Session, period: Period, cells: Cells
) -> Iterator[list[Any]]:
    for raw in register.rows(session, period):
        yield [cells.value(column, value) for column, value in zip(columns, raw, strict=False)]


def write_workbook(
    db: Database,
    out: str | Path,
    period: Period,
    *,
    name_of: Callable[[str], str] | None = None,
    registers: Iterable[Register] | None = None,
) -> Summary:
    """One sheet per register, header frozen, readable widths, times in the organisation's zone."""
    cells, summary = Cells(period.zone, name_of), Summary()
    book = xlsxwriter.Workbook(
        str(out),
        {
            "constant_memory": True,
            # User text is text: never a formula, a number or a link, whatever it starts with.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = book.add_format({"bold": True, "bg_color": "#DDE4EE", "text_wrap": True, "valign": "top"})
    formats = {
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    try:
        with db.reading() as session:
            for register in registers or REGISTERS:
                columns = register.header(session, period)
                sheet_no, sheet, row_no, total = 1, None, EXCEL_MAX_ROWS, 0
                for values in _cells(register, columns, session, period, cells):
                    if row_no >= EXCEL_MAX_ROWS:  # a full sheet goes on in "<name> (2)"
                        sheet = _new_sheet(book, register.sheet, sheet_no, columns, bold, period)
                        sheet_no, row_no = sheet_no + 1, 1
                    for k, value in enumerate(values):
                        _write(sheet, row_no, k, value, formats)
                    row_no, total = row_no + 1, total + 1
                if sheet is None:
                    _new_sheet(book, register.sheet, 1, columns, bold, period)
                summary.rows[register.sheet] = total
    finally:
        book.close()
    return summary


def _new_sheet(book: Any, name: str, number: int, columns: tuple[Column, ...], bold: Any, period: Period) -> Any:
    sheet = book.add_worksheet(name if number == 1 else f"{name[:26]} ({number})")
    for k, column in enumerate(columns):
        sheet.set_column(k, k, column.width)
        header = f"{column.header} ({_zone_name(period.zone)})" if column.kind == "datetime" else column.header
        sheet.write_string(0, k, header, bold)
    sheet.freeze_panes(1, 0)
    return sheet


def _zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", zone))


def _write(sheet: Any, row: int, col: int, value: Any, formats: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime.combine(value, time(0)), formats["date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        text = str(value)
        if len(text) > EXCEL_MAX_TEXT:
            text = text[: EXCEL_MAX_TEXT - len(CUT)] + CUT
        sheet.write_string(row, col, text)


def write_csv(
    db: Database,
    folder: str | Path,
    period: Period,
    *,
    name_of: Callable[[str], str] | None = None,
    registers: Iterable[Register] | None = None,
) -> Summary:
    """One UTF-8 CSV per register (with a byte-order mark, so spreadsheets read the accents)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cells, summary = Cells(period.zone, name_of), Summary()
    with db.reading() as session:
        for register in registers or REGISTERS:
            columns = register.header(session, period)
            total = 0
            with open(folder / register.file, "w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(
                    [f"{c.header} ({_zone_name(period.zone)})" if c.kind == "datetime" else c.header for c in columns]
                )
                for values in _cells(register, columns, session, period, cells):
                    writer.writerow([csv_text(v) for v in values])
                    total += 1
            summary.rows[register.sheet] = total
    return summary


def csv_text(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    text = Cells.text(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def parse_period(first: str | None, last: str | None, zone: tzinfo, today: date) -> Period:
    """--from/--to (YYYY-MM-DD, both optional); ExportError naming the bad one."""
    found: list[date | None] = []
    for flag, raw in (("--from", first), ("--to", last)):
        if raw in (None, ""):
            found.append(None)
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
            raise ExportError(f"{flag}: expected a date such as 2026-01-31, got {raw!r}")
        try:
            found.append(date.fromisoformat(raw.strip()))
        except ValueError:
            raise ExportError(f"{flag}: {raw!r} is not a date") from None
    if found[0] and found[1] and found[0] > found[1]:
        raise ExportError(f"--from ({found[0]}) is after --to ({found[1]})")
    return Period(found[0], found[1], zone, today)


# --- from Slack: `/qms export`, delivered as a file through the outbox ---------------------

EXPORT_FILE = "evidence_export"  # the outbox attachment kind


def export_request(first: date | None, last: date | None, requested_by: str) -> dict[str, Any]:
    """The outbox attachment spec: the workbook is written when the row is sent."""
    return {
        "kind": EXPORT_FILE,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "requested_by": requested_by,
    }


def export_renderer(
    db: Database, settings: Any, clock: Any, everyone: Callable[[], dict[str, Any]] | None = None
) -> Callable[[dict[str, Any]], tuple[str, bytes, str]]:
    """Writes the workbook to a temporary file and hands its bytes to the upload.

    People are shown as "Name (U…)" from one paged users.list (`everyone`); should Slack
    not answer, the export goes out with the IDs alone rather than not at all.
    """
    import tempfile

    from slack_sdk.errors import SlackApiError

    def render(spec: dict[str, Any]) -> tuple[str, bytes, str]:
        today = clock.now().astimezone(settings.zone).date()
        period = parse_period(spec.get("first"), spec.get("last"), settings.zone, today)
        try:
            people = everyone() if everyone else {}
        except (SlackApiError, OSError):
            people = {}
        name = f"qms-evidence-{today.isoformat()}.xlsx"
        with tempfile.TemporaryDirectory(prefix="qms-export-") as folder:
            path = Path(folder) / name
            write_workbook(db, path, period, name_of=lambda uid: people[uid].name if uid in people else uid)
            return name, path.read_bytes(), f"QMS evidence: {period.describe()}"

    return render
