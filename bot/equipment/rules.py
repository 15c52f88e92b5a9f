"""The register's steps, each in one transaction: add equipment, record a calibration.

A failed calibration quarantines the equipment and opens an NC in the same transaction, to
assess whether results measured since the last good calibration are still valid (7.1.5.2);
the calibration keeps the NC's id and the NC's trail names the equipment, so each shows the
other. Only a passing (or adjusted) calibration releases it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import nonconformity as nc
from bot.delivery import versions
from bot.delivery.due import add_months
from bot.equipment.forms import CalibrationForm, Registration, tag_key
from bot.equipment.nudges import ALL_REMINDERS
from bot.errors import NotAllowed, Refused
from bot.submissions import Submission, claim, record_made
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.roles import Role
from storage import equipment as store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import Calibration, MeasuringEquipment, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "equipment"
# The NC a failed calibration opens: about the results measured with it, so "process monitoring".
FAIL_SOURCE = "process_monitoring"
FAIL_SEVERITY = "major"


def add(ctx: Context, user: str, r: Registration, submission: Submission | None = None) -> MeasuringEquipment:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="add equipment to the register")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        eq = store.add(
            session,
            {
                "tag": r.tag,
                "tag_key": tag_key(r.tag),
                "description": r.description,
                "location": r.location,
                "owner": r.owner,
                "interval_months": r.interval_months,
                "last_calibrated": r.last_calibrated,
                "next_due": r.next_due,
                "status": "in_use",
                "added_by": user,
                "added_at": now,
            },
        )
        if eq is None:
            raise Refused(f"{r.tag} was added to the register a moment ago. Nothing was changed.")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=eq.tag,
            action="registered",
            after={
                "description": eq.description,
                "location": eq.location,
                "owner": eq.owner,
                "interval_months": eq.interval_months,
                "last_calibrated": eq.last_calibrated.isoformat() if eq.last_calibrated else None,
                "next_due": eq.next_due.isoformat(),
            },
        )
        record_made(session, submission, eq.tag)
        return eq


def may_calibrate(ctx: Context, eq: MeasuringEquipment, user: str) -> bool:
    return user == eq.owner or ctx.roles.is_manager(user)


def open_for_calibration(ctx: Context, equipment_id: int, seen: int | None, user: str) -> MeasuringEquipment:
    """The equipment behind a calibration button, once the person may record it and it is still as shown."""
    with ctx.db.read() as session:
        eq = store.get(session, equipment_id)
        if eq is None:
            raise Refused("That equipment is no longer in the register.")
        if not may_calibrate(ctx, eq, user):
            raise NotAllowed(
                f"Only the owner of {safe(eq.tag, 40)} ({mention(eq.owner)}) or a QMS manager can record its calibration."
            )
        versions.require_seen(session, eq, seen, RECORD_TYPE, eq.tag, zone=ctx.settings.zone)
        return eq


@dataclass
class Calibrated:
    equipment: MeasuringEquipment
    calibration: Calibration
    nc_id: int | None
    nc_number: str | None


def record_calibration(
    ctx: Context,
    equipment_id: int,
    seen: int | None,
    user: str,
    form: CalibrationForm,
    submission: Submission | None = None,
) -> Calibrated:
    eq = open_for_calibration(ctx, equipment_id, seen, user)
    now = ctx.clock.now()
    failed = form.result == "fail"
    entry = _entry(eq, form, user, now)
    next_due = entry.next_due
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, eq.tag)
        eq = store.get(session, equipment_id) or eq
        before = {"status": eq.status, "next_due": eq.next_due.isoformat()}
        changes: dict[str, Any] = (
            {"status": "quarantined"}  # the dates stay: it is not calibrated until it passes
            if failed
            else {
                "status": "in_use",
                "last_calibrated": form.calibrated_on,
                "next_due": next_due,
                "quarantine_nc_id": None,
            }
        )
        # Once per version shown: a double click, or owner and manager at once, records one calibration.
        if not store.calibrate(session, eq, seen if seen is not None else eq.version, entry, **changes):
            raise versions.already_done(session, RECORD_TYPE, eq.tag, zone=ctx.settings.zone)
        raised = _open_nc(session, ctx, user, eq, entry) if failed else None
        outbox_rows.cancel_pending(session, ALL_REMINDERS.prefix(equipment=eq.id))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=eq.tag,
            action="quarantined" if failed else "calibrated",
            before=before,
            after={
                "result": entry.result,
                "calibrated_on": entry.calibrated_on.isoformat(),
                "performed_by": entry.performed_by,
                "by_lab": entry.by_lab,
                "certificate": entry.certificate,
                "status": eq.status,
                "next_due": eq.next_due.isoformat(),
                "nc": raised.number if raised else None,
            },
            note=entry.note,
        )
        record_made(session, submission, eq.tag)
    return Calibrated(eq, entry, raised.id if raised else None, raised.number if raised else None)


def _entry(eq: MeasuringEquipment, form: CalibrationForm, user: str, now: datetime) -> Calibration:
    """The calibration as recorded; the next one falls due one interval after it."""
    return Calibration(
        equipment_id=eq.id or 0,
        calibrated_on=form.calibrated_on,
        performed_by=form.performed_by,
        by_lab=form.by_lab,
        result=form.result,
        certificate=form.certificate,
        note=form.note,
        next_due=add_months(form.calibrated_on, eq.interval_months),
        recorded_by=user,
        recorded_at=now,
    )


def _open_nc(session: Session, ctx: Context, user: str, eq: MeasuringEquipment, entry: Calibration) -> Nonconformity:
    since = f"since its last good calibration on {eq.last_calibrated:%d %b %Y}" if eq.last_calibrated else "with it"
    draft = nc.Draft(
        title=f"{eq.tag} failed calibration: assess results measured {since}"[:150],
        description=(
            f"{eq.tag} ({eq.description}, {eq.location}) failed its calibration on {entry.calibrated_on:%d %b %Y} "
            f"by {entry.performed_by}.\n\nFound: {entry.note}\n\n"
            f"Decide whether results measured {since} are still valid, and act on those that are not "
            "(ISO 9001 7.1.5.2). The equipment stays quarantined until it passes a calibration."
        ),
        severity=FAIL_SEVERITY,
        source=FAIL_SOURCE,
        process=_quality_process(ctx),
        supplier=None,
        iso_clause="7.1.5.2",
        containment=f"{eq.tag} quarantined: not to be used until it passes a calibration.",
        owner=eq.owner,
        due_date=None,
    )

    def link(session: Session, raised: Nonconformity) -> str:
        entry.nc_id = raised.id
        eq.quarantine_nc_id = raised.id
        session.add(entry)
        session.add(eq)
        return f"calibration of {eq.tag}"

    return nc.add_nc(session, ctx, user, draft, link=link)


def set_in_service(
    ctx: Context, tag: str, user: str, in_service: bool, reason: str | None = None
) -> MeasuringEquipment:
    """Out of service (not used, not chased) and back in use, by its owner or a QMS manager.
    Quarantine is not left this way: only a passing calibration releases it."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        eq = store.by_key(session, tag_key(tag))
        if eq is None:
            raise Refused(f"{safe(tag, 40)} is not in the register. `/equipment list` shows the register.")
        if not may_calibrate(ctx, eq, user):
            raise NotAllowed(
                f"Only the owner of {safe(eq.tag, 40)} ({mention(eq.owner)}) or a QMS manager can change its status."
            )
        before, after = ("out_of_service", "in_use") if in_service else ("in_use", "out_of_service")
        if eq.status == "quarantined":
            raise Refused(f"{safe(eq.tag, 40)} is quarantined: only a passing calibration releases it.")
        if eq.status != before or not store.set_status(session, eq, before, after):
            raise versions.already_done(session, RECORD_TYPE, eq.tag, zone=ctx.settings.zone)
        outbox_rows.cancel_pending(session, ALL_REMINDERS.prefix(equipment=eq.id))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=eq.tag,
            action="back_in_use" if in_service else "out_of_service",
            before={"status": before},
            after={"status": after},
            note=reason,
        )
        return eq


def _quality_process(ctx: Context) -> str:
    """The process an equipment NC belongs to: Quality when the organisation has one."""
    processes = list(ctx.settings.processes)
    return next((p for p in processes if p.casefold() == "quality"), processes[-1])


def days_overdue(eq: MeasuringEquipment, today: date) -> int:
    return max(0, (today - eq.next_due).days)
