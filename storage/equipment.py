"""Queries for the equipment register and its calibrations."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from storage import records
from storage.models import Calibration, MeasuringEquipment
from storage.records import Register
from storage.upsert import insert_ignore


def add(session: Session, values: dict[str, Any]) -> MeasuringEquipment | None:
    """Register a piece of equipment once per tag (None when the tag is taken)."""
    if not insert_ignore(session, MeasuringEquipment, values, ["tag_key"]):
        return None
    return by_key(session, values["tag_key"])


def by_key(session: Session, key: str) -> MeasuringEquipment | None:
    return session.exec(select(MeasuringEquipment).where(col(MeasuringEquipment.tag_key) == key)).first()


def calibrate(session: Session, equipment: MeasuringEquipment, seen: int, entry: Calibration, **values: Any) -> bool:
    """Record a calibration if the equipment is still at the version the person saw."""
    if not records.change(session, equipment, seen, **values):
        return False
    session.add(entry)
    session.flush()
    return True


def set_status(session: Session, equipment: MeasuringEquipment, before: str, after: str) -> bool:
    """`before` → `after`, once (a compare-and-set on the status)."""
    return records.change(session, equipment, None, col(MeasuringEquipment.status) == before, status=after)


def calibrations_of(session: Session, equipment_id: int) -> list[Calibration]:
    query = select(Calibration).where(col(Calibration.equipment_id) == equipment_id).order_by(col(Calibration.id))
    return list(session.exec(query))


def all_by_due(session: Session, limit: int | None = None) -> list[MeasuringEquipment]:
    """Quarantined first, then by the next calibration date."""
    quarantined = col(MeasuringEquipment.status) == "quarantined"
    query = select(MeasuringEquipment).order_by(
        quarantined.desc(), col(MeasuringEquipment.next_due), col(MeasuringEquipment.tag_key)
    )
    return list(session.exec(query.limit(limit) if limit else query))


def needing_attention(
    session: Session, today: date, owner: str | None = None, limit: int = 20
) -> list[MeasuringEquipment]:
    """Quarantined, or in use and past its calibration date: what Home and the digest list."""
    query = select(MeasuringEquipment).where(
        or_(
            col(MeasuringEquipment.status) == "quarantined",
            (col(MeasuringEquipment.status) == "in_use") & (col(MeasuringEquipment.next_due) < today),
        )
    )
    if owner is not None:
        query = query.where(col(MeasuringEquipment.owner) == owner)
    return list(session.exec(query.order_by(col(MeasuringEquipment.next_due)).limit(limit)))


def owned_due(session: Session, owner: str, until: date, limit: int = 20) -> list[MeasuringEquipment]:
    """The owner's equipment in use and due by `until`, or quarantined: their Home's agenda."""
    query = select(MeasuringEquipment).where(
        col(MeasuringEquipment.owner) == owner,
        or_(
            col(MeasuringEquipment.status) == "quarantined",
            (col(MeasuringEquipment.status) == "in_use") & (col(MeasuringEquipment.next_due) <= until),
        ),
    )
    return list(session.exec(query.order_by(col(MeasuringEquipment.next_due)).limit(limit)))


def count_by_state(session: Session, today: date) -> dict[str, int]:
    """How many are overdue (in use, past the date), quarantined, and in the register."""
    total = session.exec(select(func.count()).select_from(MeasuringEquipment)).one()
    quarantined = session.exec(select(func.count()).where(col(MeasuringEquipment.status) == "quarantined")).one()
    overdue = session.exec(
        select(func.count()).where(col(MeasuringEquipment.status) == "in_use", col(MeasuringEquipment.next_due) < today)
    ).one()
    return {"total": int(total), "quarantined": int(quarantined), "overdue": int(overdue)}


def calibrations_between(session: Session, start: date, end: date) -> list[tuple[Calibration, MeasuringEquipment]]:
    query = (
        select(Calibration, MeasuringEquipment)
        .join(MeasuringEquipment, col(MeasuringEquipment.id) == col(Calibration.equipment_id))
        .where(col(Calibration.calibrated_on) >= start, col(Calibration.calibrated_on) <= end)
        .order_by(col(Calibration.calibrated_on), col(Calibration.id))
    )
    return [(c, e) for c, e in session.exec(query)]


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(MeasuringEquipment)
get = _REGISTER.get
