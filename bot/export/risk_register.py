"""The risk and opportunity register of the export (ISO 9001 6.1): each risk with its score and
band, its treatment, the residual score it expects, its review dates and its actions. Apart
from registers.py, which would pass 400 lines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session

from bot.export.forms import Period
from bot.workspace.config_checks import risk_bands
from storage import export as queries

NAMES = ("Risk register", "risk-register.csv")  # the sheet, the CSV
# (header, kind, width), as registers.Column takes them.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Risk", "text", 14),
    ("Kind", "text", 11),
    ("Process", "text", 18),
    ("Title", "long", 36),
    ("Description", "long", 50),
    ("Likelihood", "int", 9),
    ("Impact", "int", 8),
    ("Score", "int", 7),
    ("Band", "text", 9),
    ("Owner", "person", 20),
    ("Raised by", "person", 20),
    ("Raised", "datetime", 19),
    ("Treatment", "text", 10),
    ("Treatment note", "long", 40),
    ("Residual likelihood", "int", 9),
    ("Residual impact", "int", 8),
    ("Residual score", "int", 8),
    ("Residual band", "text", 9),
    ("Review by", "date", 11),
    ("Last reviewed", "datetime", 19),
    ("Status", "text", 9),
    ("Actions", "int", 8),
    ("Actions done", "int", 8),
)


def _band(score: int | None, bands: list[tuple[str, int, int]]) -> str | None:
    return next((name for name, low, high in bands if score and low <= score <= high), None)


def rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    """The stored columns with each score's band (QMS_RISK_BANDS) after it."""
    bands = risk_bands(period.risk_bands)
    for row in queries.stream(session, queries.risks(period.start, period.end)):
        yield (*row[:8], _band(row[7], bands), *row[8:16], _band(row[15], bands), *row[16:])
