"""The nonconforming output register of the export (ISO 9001 8.7.2): each disposition decision
with its output, who recorded and who authorised it, and the re-verification; an output with
no decision yet has a row of its own. Apart from registers.py, which would pass 400 lines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session

from bot.export.forms import Period
from storage import export as queries
from storage import outputs as store

# (header, kind, width), as registers.Column takes them.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("NC", "text", 14),
    ("Output", "long", 30),
    ("Affected", "float", 10),
    ("Unit", "text", 8),
    ("Lot, batch, serial", "long", 24),
    ("Held at", "text", 20),
    ("Cost per unit", "float", 10),
    ("Disposition", "text", 8),
    ("Decision", "text", 18),
    ("Quantity", "float", 10),
    ("Reason", "long", 40),
    ("Concession reference", "text", 16),
    ("Status", "text", 10),
    ("Decided by", "person", 20),
    ("Decided", "datetime", 19),
    ("Authorised by", "person", 20),
    ("Authorised", "datetime", 19),
    ("Authorisation note", "long", 30),
    ("Re-verified by", "person", 20),
    ("Re-verified", "datetime", 19),
    ("Re-verification", "text", 14),
    ("Re-verification note", "long", 30),
)


def rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    """The NC and its output (seven columns), then the decision (D1…), empty for an output with none yet."""
    for row in queries.stream(session, store.export_rows(period.start, period.end)):
        yield (*row[:7], f"D{row[7]}" if row[7] else None, *row[8:])


REGISTERS = (("Nonconforming output", "nonconforming-output.csv", COLUMNS, rows),)
