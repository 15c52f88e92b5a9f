"""The supplier register's sheets of the export (ISO 9001 8.4): the suppliers as they stand,
and every evaluation recorded in the period with its scorecard, score and decision. Apart
from registers.py, which would pass 400 lines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session

from bot import suppliers
from bot.export.forms import Period

# (header, kind, width), as registers.Column takes them.
SUPPLIER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Supplier", "text", 10),
    ("Name", "long", 30),
    ("Supplies", "long", 30),
    ("Status", "text", 12),
    ("Status reason", "long", 30),
    ("Criteria", "long", 40),
    ("Owner", "person", 20),
    ("Last evaluated", "date", 12),
    ("Next evaluation", "date", 12),
    ("Added by", "person", 20),
    ("Added", "datetime", 19),
)
EVALUATION_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Supplier", "text", 10),
    ("Name", "long", 30),
    ("Evaluated", "date", 12),
    ("Evaluated by", "person", 20),
    ("Records since", "date", 12),
    ("NCs", "int", 6),
    ("Complaints", "int", 10),
    ("Returned", "float", 10),
    ("Score (1-5)", "int", 10),
    ("Status before", "text", 12),
    ("Decision", "text", 12),
    ("Reason", "long", 40),
    ("Was due", "date", 12),
    ("Next evaluation", "date", 12),
)


def supplier_rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    """Every supplier in the register, whatever the period (a register has no date of its own)."""
    yield from suppliers.supplier_rows(session)


def evaluation_rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    yield from suppliers.evaluation_rows(session, period.first, period.end_date)


# (sheet, file, columns, rows), as registers.Register takes them.
SHEETS = (
    ("Suppliers", "suppliers.csv", SUPPLIER_COLUMNS, supplier_rows),
    ("Supplier evaluations", "supplier-evaluations.csv", EVALUATION_COLUMNS, evaluation_rows),
)
