"""What the register shows and what other processes read from it: the list, one supplier with
its evaluations, the NC form's picker, the Home tab, the digest, the review pack, the export
and the objective measure "suppliers evaluated on time"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.errors import Refused
from bot.suppliers import blocks
from bot.suppliers.forms import REFERENCE, STATUS_LABELS
from bot.suppliers.nudges import nc_alerts
from bot.suppliers.rules import may_evaluate
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from storage import suppliers as store
from storage.models_suppliers import Supplier

if TYPE_CHECKING:
    from bot.context import Context
    from bot.delivery.outbox import Nudge

PICKER_LIMIT = 100  # Slack shows at most 100 options


def _lookup(session: Session, text: str) -> Supplier | None:
    found = REFERENCE.match(text.strip())
    if found:
        return store.get(session, int(found.group(1)))
    return store.by_name(session, text)


def find(ctx: Context, text: str) -> Supplier | None:
    with ctx.db.session() as session:
        return _lookup(session, text)


def _registered(ctx: Context, ref: str) -> Supplier:
    supplier = find(ctx, ref)
    if supplier is None:
        raise Refused(f"{safe(ref, 40)} is no longer in the register. `/supplier list` shows the register.")
    return supplier


def added_confirmation(ctx: Context, ref: str) -> str:
    """What the QMS manager who added a supplier is told (again, should they send the form twice)."""
    s = _registered(ctx, ref)
    return (
        f"{safe(s.name, 150)} ({blocks.ref(s)}) is in the register as {STATUS_LABELS[s.status].lower()}; "
        f"its owner is reminded before the evaluation on {s.next_evaluation:%d %b %Y}."
    )


def evaluated_confirmation(ctx: Context, ref: str) -> str:
    s = _registered(ctx, ref)
    return (
        f"{safe(s.name, 150)} ({blocks.ref(s)}) is {STATUS_LABELS[s.status].lower()}; "
        f"next evaluation {s.next_evaluation:%d %b %Y}."
    )


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        suppliers = store.all_by_name(session)
    return blocks.register(suppliers, ctx.today(), ctx.settings.supplier_notice_days)


def supplier_reply(ctx: Context, text: str, user: str) -> Reply:
    with ctx.db.session() as session:
        supplier = _lookup(session, text)
        if supplier is None:
            return Reply(f"{safe(text, 150)} is not in the register. `/supplier list` shows the register.")
        evaluations = store.evaluations_of(session, supplier.id or 0)
    return blocks.supplier_view(
        supplier,
        evaluations,
        ctx.today(),
        ctx.settings.supplier_notice_days,
        may_evaluate=may_evaluate(ctx, supplier, user),
        may_change=ctx.roles.is_manager(user),
    )


# --- the NC form's supplier picker, and the alert on raising an NC --------------------------------


def picker_options(ctx: Context, typed: str) -> list[dict[str, Any]]:
    """The options Slack shows as the person types in the NC form's supplier picker."""
    with ctx.db.session() as session:
        return blocks.picker_options(store.matching(session, typed[:150], PICKER_LIMIT))


def picked(session: Session, value: str | None, typed: str | None) -> Supplier | None:
    """The registered supplier an NC names: the one picked, else the one whose name was typed."""
    if value:
        _, _, raw = value.partition(":")
        return store.get(session, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    return store.by_name(session, typed) if typed else None


def raised_against(
    session: Session, supplier_id: int, nc_id: int, number: str, title: str, reporter: str, settings: Any
) -> list[Nudge]:
    """The QMS managers' DMs when an NC names a supplier that is blocked or conditional."""
    supplier = store.get(session, supplier_id)
    return nc_alerts(supplier, nc_id, number, title, reporter, settings) if supplier else []


# --- the Home tab, the digest ----------------------------------------------------------------------


def due_for_evaluation(session: Session, today: date, notice: int) -> list[Supplier]:
    return store.due_by(session, date.fromordinal(today.toordinal() + notice))


def evaluations_due_for(session: Session, owner: str, today: date, notice: int) -> list[Supplier]:
    """A person's own suppliers whose evaluation is overdue or due within the notice (their Home tab)."""
    return [s for s in due_for_evaluation(session, today, notice) if s.owner == owner]


def home_blocks(session: Session, today: date, notice: int) -> list[dict[str, Any]]:
    """For a QMS manager's Home tab: evaluations due or overdue, blocked and conditional suppliers."""
    due = due_for_evaluation(session, today, notice)
    watched = store.in_status(session, ("blocked", "conditional"))
    return blocks.home_section(due, watched, today, notice)


def digest_lines(session: Session, today: date, notice: int) -> list[str]:
    """For the leaders' digest: suppliers whose evaluation is overdue or due within the notice."""
    lines = []
    for s in due_for_evaluation(session, today, notice):
        when = "*overdue*" if s.next_evaluation < today else "due"
        lines.append(f"{safe(s.name, 100)} ({blocks.ref(s)}) · {mention(s.owner)} · {when} {s.next_evaluation:%d %b}")
    return lines


# --- the review pack (9.3.2 c 7), the export, the objective measure -------------------------------


@dataclass
class Performance:
    """The performance of external providers over a period, from the register."""

    by_status: dict[str, int] = field(default_factory=dict)
    evaluations: int = 0
    rows: list[tuple[Supplier, store.Figures]] = field(default_factory=list)
    unregistered: dict[str, int] = field(default_factory=dict)  # free-text supplier NCs by name


def _start(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def performance(session: Session, start: date, end: date, zone: Any, free_text: list[str | None]) -> Performance:
    """Per status, the evaluations recorded in [start, end), each supplier's NCs, complaints and
    returned quantities in the period; `free_text` names the period's supplier NCs not in the register."""
    suppliers = store.all_by_name(session)
    out = Performance()
    for s in suppliers:
        out.by_status[s.status] = out.by_status.get(s.status, 0) + 1
    out.evaluations = len(store.evaluations_between(session, start, date.fromordinal(end.toordinal() - 1)))
    figures = store.figures(session, [s.id or 0 for s in suppliers], _start(start, zone), _start(end, zone))
    out.rows = [(s, figures[s.id or 0]) for s in suppliers if figures[s.id or 0] != store.Figures()]
    for name in free_text:
        key = name or "(unnamed)"
        out.unregistered[key] = out.unregistered.get(key, 0) + 1
    return out


def performance_lines(p: Performance) -> list[str]:
    """The review pack's 9.3.2 c 7: the register by status, evaluations, then supplier by supplier."""
    if not p.by_status and not p.unregistered:
        return []
    lines = []
    if p.by_status:
        states = " · ".join(f"{STATUS_LABELS[k].lower()} {p.by_status[k]}" for k in STATUS_LABELS if k in p.by_status)
        lines.append(
            f"Supplier register: *{sum(p.by_status.values())}* ({states}); *{plural(p.evaluations, 'evaluation')}* in the period"
        )
    ranked = sorted(p.rows, key=lambda row: (-row[1].ncs, -row[1].returned, row[0].name_key))
    for s, f in ranked:
        lines.append(
            f"{safe(s.name, 100)} ({blocks.ref(s)}, {STATUS_LABELS[s.status].lower()}): *{plural(f.ncs, 'NC')}*, "
            f"{plural(f.complaints, 'complaint')}, {f.returned:g} returned"
        )
    for name, n in sorted(p.unregistered.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{safe(name, 100)} (not in the register): *{plural(n, 'NC')}*")
    return lines


def evaluated_on_time(session: Session, start: date, end: date) -> tuple[int, int]:
    """Evaluations recorded in [start, end], and how many of them by the date they were due."""
    evaluations = store.evaluations_between(session, start, end)
    return sum(1 for e in evaluations if e.evaluated_on <= e.due_on), len(evaluations)


def supplier_rows(session: Session) -> list[list[Any]]:
    """The export's suppliers sheet: the register as it stands."""
    return [
        [
            blocks.ref(s),
            s.name,
            s.supplies,
            s.status,
            s.status_reason,
            s.criteria,
            s.owner,
            s.last_evaluated,
            s.next_evaluation,
            s.added_by,
            s.added_at,
        ]
        for s in store.all_by_name(session)
    ]


def evaluation_rows(session: Session, first: date | None, end: date | None) -> list[list[Any]]:
    """The export's evaluations sheet: each evaluation recorded on a day in [first, end)."""
    start, stop = first or date.min, date.fromordinal(end.toordinal() - 1) if end else date.max
    evaluations = store.evaluations_between(session, start, stop)
    names = store.names(session, sorted({e.supplier_id for e in evaluations}))
    return [
        [
            f"SUP-{e.supplier_id:04d}",
            names.get(e.supplier_id, ""),
            e.evaluated_on,
            e.evaluated_by,
            e.period_from,
            e.ncs,
            e.complaints,
            e.returned,
            e.score,
            e.status_before,
            e.decision,
            e.reason,
            e.due_on,
            e.next_evaluation,
        ]
        for e in evaluations
    ]
