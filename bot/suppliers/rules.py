"""The register's steps, each in one transaction: add a supplier, evaluate it, change its status."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.delivery import versions
from bot.delivery.due import add_months
from bot.errors import NotAllowed, Refused
from bot.submissions import Submission, claim, record_made
from bot.suppliers import blocks
from bot.suppliers.forms import Evaluation, Registration, Scorecard, parse_seen
from bot.suppliers.nudges import ALL_REMINDERS
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.roles import Role
from storage import outbox as outbox_rows
from storage import suppliers as store
from storage.audit import record_change
from storage.models_suppliers import Supplier, SupplierEvaluation

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "supplier"


def add(ctx: Context, user: str, r: Registration, submission: Submission | None = None) -> Supplier:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="add suppliers to the register")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        supplier = store.add(
            session,
            {
                "name": r.name,
                "name_key": store.name_key(r.name),
                "supplies": r.supplies,
                "criteria": r.criteria,
                "owner": r.owner,
                "status": r.status,
                "status_reason": r.reason,
                "next_evaluation": r.next_evaluation,
                "added_by": user,
                "added_at": now,
            },
        )
        if supplier is None:
            raise Refused(f"{safe(r.name, 150)} was added to the register a moment ago. Nothing was changed.")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=blocks.ref(supplier),
            action="registered",
            after={
                "name": supplier.name,
                "supplies": supplier.supplies,
                "criteria": supplier.criteria,
                "owner": supplier.owner,
                "status": supplier.status,
                "reason": supplier.status_reason,
                "next_evaluation": supplier.next_evaluation.isoformat(),
            },
        )
        record_made(session, submission, blocks.ref(supplier))
        return supplier


# --- evaluations and status changes ---------------------------------------------------------------


def may_evaluate(ctx: Context, supplier: Supplier, user: str) -> bool:
    return user == supplier.owner or ctx.roles.is_manager(user)


def _open(ctx: Context, value: str, user: str, *, manager_only: bool) -> tuple[Supplier, int]:
    """The supplier behind a button or form and the version it was drawn for, once the person
    may act on it and it is still as shown (else who changed it since is told)."""
    supplier_id, seen = parse_seen(value)
    with ctx.db.session() as session:
        supplier = store.get(session, supplier_id)
    if supplier is None:
        raise Refused("That supplier is no longer in the register. `/supplier list` shows the register.")
    if manager_only:
        ctx.roles.require(user, Role.QMS_MANAGER, doing="change a supplier's status")
    elif not may_evaluate(ctx, supplier, user):
        raise NotAllowed(
            f"Only the owner of {safe(supplier.name, 150)} ({mention(supplier.owner)}) or a QMS manager can evaluate it."
        )
    with ctx.db.session() as session:
        versions.require_seen(session, supplier, seen, RECORD_TYPE, blocks.ref(supplier), zone=ctx.settings.zone)
    return supplier, seen


def open_for_evaluation(ctx: Context, value: str, user: str) -> Supplier:
    return _open(ctx, value, user, manager_only=False)[0]


def open_for_status(ctx: Context, value: str, user: str) -> Supplier:
    return _open(ctx, value, user, manager_only=True)[0]


def scorecard(ctx: Context, supplier: Supplier) -> Scorecard:
    """The records since the last evaluation was recorded (or the supplier was registered) up to
    now, this very moment too (to the end of today: nothing later is on record yet)."""
    zone, today = ctx.settings.zone, ctx.today()
    end = datetime.combine(today + timedelta(days=1), time(0), zone)
    with ctx.db.session() as session:
        last = store.last_evaluation(session, supplier.id or 0)
        since = last.recorded_at if last else supplier.added_at
        figures = store.figures(session, [supplier.id or 0], since, end)
    card_figures = figures.get(supplier.id or 0, store.Figures())
    return Scorecard(since.astimezone(zone).date(), today, card_figures)


def evaluate(
    ctx: Context, value: str, user: str, e: Evaluation, submission: Submission | None = None
) -> tuple[Supplier, SupplierEvaluation]:
    """Keep the evaluation with the scorecard as compiled now, set the next date; a change of
    status is a QMS manager's (checked again here, whatever the form offered)."""
    supplier, seen = _open(ctx, value, user, manager_only=False)
    if e.decision != supplier.status and not ctx.roles.is_manager(user):
        raise NotAllowed("Only QMS managers can change a supplier's status; keep it and recommend the change.")
    card = scorecard(ctx, supplier)
    now, day = ctx.clock.now(), ctx.today()
    following = add_months(day, ctx.settings.supplier_evaluation_months)
    entry = _entry(supplier, card, user, e, now, day, following)
    changes: dict[str, Any] = {"last_evaluated": day, "next_evaluation": following, "status": e.decision}
    if e.decision != supplier.status or e.reason:
        changes["status_reason"] = e.reason
    ref = blocks.ref(supplier)
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, ref)
        supplier = store.get(session, supplier.id or 0) or supplier
        before = {"status": supplier.status, "next_evaluation": supplier.next_evaluation.isoformat()}
        if not store.evaluate(session, supplier, seen, entry, **changes):
            raise versions.already_done(session, RECORD_TYPE, ref, zone=ctx.settings.zone)
        outbox_rows.cancel_pending(session, ALL_REMINDERS.prefix(supplier=supplier.id))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=ref,
            action="evaluated",
            before=before,
            after={
                "status": supplier.status,
                "next_evaluation": supplier.next_evaluation.isoformat(),
                "score": entry.score,
                "scorecard": {"since": card.since.isoformat(), "ncs": entry.ncs, "complaints": entry.complaints},
                "returned": entry.returned,
            },
            note=e.reason,
        )
    return supplier, entry


def _entry(
    supplier: Supplier, card: Scorecard, user: str, e: Evaluation, now: datetime, day: date, following: date
) -> SupplierEvaluation:
    return SupplierEvaluation(
        supplier_id=supplier.id or 0,
        evaluated_on=day,
        evaluated_by=user,
        period_from=card.since,
        ncs=card.figures.ncs,
        complaints=card.figures.complaints,
        returned=card.figures.returned,
        score=e.score,
        status_before=supplier.status,
        decision=e.decision,
        reason=e.reason,
        due_on=supplier.next_evaluation,
        next_evaluation=following,
        recorded_at=now,
    )


def change_status(
    ctx: Context, value: str, user: str, status: str, reason: str | None, submission: Submission | None = None
) -> Supplier:
    supplier, seen = _open(ctx, value, user, manager_only=True)
    now, ref = ctx.clock.now(), blocks.ref(supplier)
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, ref)
        supplier = store.get(session, supplier.id or 0) or supplier
        before = supplier.status
        if not store.change(session, supplier, seen, status=status, status_reason=reason):
            raise versions.already_done(session, RECORD_TYPE, ref, zone=ctx.settings.zone)
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=ref,
            action="status_changed",
            before={"status": before},
            after={"status": status},
            note=reason,
        )
    return supplier
