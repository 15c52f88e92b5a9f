"""Writing the registers: one workbook (a sheet per register) or one CSV per register.

The workbook is written with XlsxWriter in constant-memory mode (each row goes to disk as
the next one starts) and rows come from the database in batches, so 100,000 NCs or a
million acknowledgements never sit in memory at once (bench/export_memory.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlmodel import Session

from bot.export.forms import Period
from bot.export.registers import REGISTERS, Column, Register
from storage.db import Database

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
CUT = " …[cut: longer than a spreadsheet cell holds]"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A text cell starting with one of these is a formula to a spreadsheet opening the CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
