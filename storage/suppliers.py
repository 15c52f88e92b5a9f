"""Queries for the external providers register: suppliers, their evaluations, and the figures
an evaluation's scorecard is compiled from (NCs, complaints traced to them, returned quantities)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import records
from storage.models import Feedback, Nonconformity
from storage.models_outputs import Disposition
from storage.models_suppliers import Supplier, SupplierEvaluation
from storage.records import Register
from storage.upsert import insert_ignore

RETURNED = "return_to_supplier"


def name_key(name: str) -> str:
    """A supplier's name as it is compared: case-folded, runs of spaces as one."""
    return " ".join(name.split()).casefold()[:150]


def add(session: Session, values: dict[str, Any]) -> Supplier | None:
    """Register a supplier once per name, whatever its case (None when the name is taken)."""
    if not insert_ignore(session, Supplier, values, ["name_key"]):
        return None
    return by_key(session, values["name_key"])


def by_key(session: Session, key: str) -> Supplier | None:
    return session.exec(select(Supplier).where(col(Supplier.name_key) == key)).first()


def by_name(session: Session, name: str) -> Supplier | None:
    return by_key(session, name_key(name))


def all_by_name(session: Session) -> list[Supplier]:
    return list(session.exec(select(Supplier).order_by(col(Supplier.name_key))))


def matching(session: Session, typed: str, limit: int) -> list[Supplier]:
    """Suppliers whose name contains what was typed (the NC form's picker), by name."""
    query = select(Supplier).order_by(col(Supplier.name_key)).limit(limit)
    key = name_key(typed)
    if key:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(Supplier.name_key).like(f"%{escaped}%", escape="\\"))
    return list(session.exec(query))


def due_by(session: Session, day: date) -> list[Supplier]:
    """Suppliers whose next evaluation falls on or before `day`, soonest first (index on next_evaluation)."""
    query = (
        select(Supplier)
        .where(col(Supplier.next_evaluation) <= day)
        .order_by(col(Supplier.next_evaluation), col(Supplier.id))
    )
    return list(session.exec(query))


def in_status(session: Session, statuses: tuple[str, ...]) -> list[Supplier]:
    query = select(Supplier).where(col(Supplier.status).in_(statuses)).order_by(col(Supplier.name_key))
    return list(session.exec(query))


def change(session: Session, supplier: Supplier, seen: int | None, **values: Any) -> bool:
    return records.change(session, supplier, seen, **values)


def evaluate(session: Session, supplier: Supplier, seen: int | None, entry: SupplierEvaluation, **values: Any) -> bool:
    """Keep an evaluation if the supplier is still at the version the person saw (once per form)."""
    if not records.change(session, supplier, seen, **values):
        return False
    session.add(entry)
    session.flush()
    return True


def evaluations_of(session: Session, supplier_id: int) -> list[SupplierEvaluation]:
    query = (
        select(SupplierEvaluation)
        .where(col(SupplierEvaluation.supplier_id) == supplier_id)
        .order_by(col(SupplierEvaluation.id))
    )
    return list(session.exec(query))


def last_evaluation(session: Session, supplier_id: int) -> SupplierEvaluation | None:
    query = (
        select(SupplierEvaluation)
        .where(col(SupplierEvaluation.supplier_id) == supplier_id)
        .order_by(col(SupplierEvaluation.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def evaluations_between(session: Session, start: date, end: date) -> list[SupplierEvaluation]:
    query = (
        select(SupplierEvaluation)
        .where(col(SupplierEvaluation.evaluated_on) >= start, col(SupplierEvaluation.evaluated_on) <= end)
        .order_by(col(SupplierEvaluation.evaluated_on), col(SupplierEvaluation.id))
    )
    return list(session.exec(query))


def all_evaluations(session: Session) -> list[SupplierEvaluation]:
    return list(session.exec(select(SupplierEvaluation).order_by(col(SupplierEvaluation.id))))


# --- the scorecard's figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the records say about one supplier over a period."""

    ncs: int = 0
    complaints: int = 0
    returned: float = 0.0


def figures(session: Session, supplier_ids: list[int], start: datetime, end: datetime) -> dict[int, Figures]:
    """Per supplier: NCs raised against it, complaints whose NC names it, and the quantity
    dispositions of its NCs returned to it, all in [start, end)."""
    if not supplier_ids:
        return {}
    sid = col(Nonconformity.supplier_id)
    in_period = (col(Nonconformity.raised_at) >= start, col(Nonconformity.raised_at) < end)
    ncs = session.exec(select(sid, func.count()).where(sid.in_(supplier_ids), *in_period).group_by(sid)).all()
    complaints = session.exec(
        select(sid, func.count())
        .select_from(Feedback)
        .join(Nonconformity, col(Nonconformity.id) == col(Feedback.nc_id))
        .where(sid.in_(supplier_ids), col(Feedback.kind) == "complaint", *in_period)
        .group_by(sid)
    ).all()
    returned = session.exec(
        select(sid, func.sum(col(Disposition.quantity)))
        .select_from(Disposition)
        .join(Nonconformity, col(Nonconformity.id) == col(Disposition.nc_id))
        .where(
            sid.in_(supplier_ids),
            col(Disposition.kind) == RETURNED,
            col(Disposition.status) != "rejected",
            col(Disposition.decided_at) >= start,
            col(Disposition.decided_at) < end,
        )
        .group_by(sid)
    ).all()
    out: dict[int, dict[str, Any]] = {i: {} for i in supplier_ids}
    for i, n in ncs:
        out[i or 0]["ncs"] = int(n)
    for i, n in complaints:
        out[i or 0]["complaints"] = int(n)
    for i, q in returned:
        out[i or 0]["returned"] = float(q or 0)
    return {i: Figures(**v) for i, v in out.items()}


def names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Supplier.id, Supplier.name).where(col(Supplier.id).in_(ids))).all()
    return {int(i): n for i, n in rows if i is not None}


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(Supplier)
get = _REGISTER.get
