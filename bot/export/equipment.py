"""Monitoring and measuring equipment in the export (ISO 9001 7.1.5.1: retained documented
information as evidence of fitness for purpose): the register as it stands, and every
calibration in the period with its result, certificate and the NC a fail opened. Apart from
registers.py, which would pass 400 lines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session

from bot.export.forms import Period
from storage import export as queries

# (header, kind, width), as registers.Column takes them.
REGISTER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Tag", "text", 12),
    ("Description", "long", 36),
    ("Location", "text", 20),
    ("Owner", "person", 20),
    ("Status", "text", 14),
    ("Calibrate every (months)", "int", 10),
    ("Last calibrated", "date", 11),
    ("Next calibration", "date", 11),
    ("Quarantine NC", "text", 14),
    ("Registered by", "person", 20),
    ("Registered", "datetime", 19),
)
CALIBRATION_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Tag", "text", 12),
    ("Calibrated", "date", 11),
    ("By", "text", 10),
    ("Who", "text", 24),
    ("Result", "text", 9),
    ("Certificate", "text", 24),
    ("Findings", "long", 40),
    ("Next due", "date", 11),
    ("NC", "text", 14),
    ("Recorded by", "person", 20),
    ("Recorded", "datetime", 19),
)


def register_rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    return queries.stream(session, queries.equipment_register())


def calibration_rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    for tag, day, by_lab, *rest in queries.stream(session, queries.calibrations(period.first, period.end_date)):
        yield (tag, day, "laboratory" if by_lab else "internal", *rest)


# (sheet, CSV file, columns, rows) of each register this module adds.
REGISTERS = (
    ("Equipment register", "equipment-register.csv", REGISTER_COLUMNS, register_rows),
    ("Calibrations", "calibrations.csv", CALIBRATION_COLUMNS, calibration_rows),
)
