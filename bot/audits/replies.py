"""What the audit programme shows: the checklist, the forms opened from it, a record, the programme."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import nonconformity as nc_rules
from bot.audits import blocks
from bot.audits.rules import (
    RECORD_TYPE,
    existing,
    finding_owner,
    nc_refs,
    open_line,
    require_auditor_or_manager,
    require_planned,
)
from bot.delivery import versions
from bot.delivery.due import add_months, cycle_start
from bot.errors import QmsError, Refused
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from storage import audits as store
from storage import evidence as evidence_store
from storage.models import Audit, AuditQuestion

log = logging.getLogger(__name__)


if TYPE_CHECKING:
    from bot.context import Context

# --- the checklist ------------------------------------------------------------------------------


def checklist_reply(ctx: Context, audit_id: int, user: str) -> Reply:
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        audit = existing(session, audit_id)
        require_auditor_or_manager(audit, user, manager, "work the checklist of")
        lines = store.questions_of(session, audit_id)
        refs = nc_refs(session, [q.nc_id for q in lines])
    return blocks.checklist(audit, lines, refs, editable=audit.status == "planned")


def redraw_checklist(ctx: Context, user: str, line_id: int, where: tuple[str, str]) -> None:
    """Redraw the checklist message (channel, ts) a line was answered from. The person was
    already answered, so a failure here (Slack, or a refusal) is only logged."""
    with ctx.db.session() as session:
        line = store.question(session, line_id)
    if line is not None:
        redraw_audit_checklist(ctx, user, line.audit_id, where)


def redraw_audit_checklist(ctx: Context, user: str, audit_id: int, where: tuple[str, str]) -> None:
    """Redraw an audit's checklist message (channel, ts): after an answer, or closed once the
    audit is completed. Only logged when it fails: the person's step is already done."""
    try:
        reply = checklist_reply(ctx, audit_id, user)
        ctx.client.chat_update(channel=where[0], ts=where[1], **reply.as_kwargs())
    except (SlackApiError, QmsError) as exc:
        log.warning("could not redraw the checklist of audit %s: %s", audit_id, exc)


def planned_confirmation(ctx: Context, number: str) -> str:
    """What the QMS manager who planned an audit is told (again, should they send the form twice)."""
    with ctx.db.session() as session:
        audit = store.by_number(session, number)
    if audit is None:
        raise Refused(f"{number} is no longer in the programme; `/audit list` shows it.")
    return (
        f"Planned {audit.number}: {audit.process} on {audit.planned_date:%d %b %Y}. "
        "The lead auditor and the auditees are told; `/audit list` shows the programme."
    )


def audit_id_of(ctx: Context, number: str) -> int | None:
    with ctx.db.session() as session:
        found = store.by_number(session, number)
        return found.id if found else None


def line_for_answer(ctx: Context, line_id: int, user: str, seen: int | None = None) -> tuple[Audit, AuditQuestion]:
    """The line a person wants to answer, once they are allowed to and it is still as the
    checklist showed it (version `seen`), for opening its form."""
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        return open_line(session, line_id, user, manager, seen, ctx.settings.zone)


def nc_form(
    ctx: Context, line_id: int, user: str, seen: int | None = None, grade: str | None = None
) -> nc_rules.RaiseForm:
    """The NC form pre-filled from a checklist line answered nonconforming, graded `grade`
    (major or minor; None from a checklist drawn before lines were graded)."""
    audit, line = line_for_answer(ctx, line_id, user, seen)
    found = line.note or line.question  # what the auditor noted; the question only without a note
    return nc_rules.RaiseForm(
        title=found[: nc_rules.TITLE_MAX],
        description=blocks.finding_description(audit, line, grade),
        severity=grade,
        source="internal_audit",
        process=audit.process,
        iso_clause=line.clause,
        owner=finding_owner(ctx, audit),
    )


# --- completing -----------------------------------------------------------------------------------


def completion_form(
    ctx: Context, audit_id: int, user: str, seen: int | None = None, checklist_at: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The completion form, for the audit's version the button was drawn for (`seen`); the form
    carries it, and completing checks it again. `checklist_at`: the checklist it was opened from."""
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        audit = existing(session, audit_id)
        require_auditor_or_manager(audit, user, manager, "complete")
        versions.require_seen(session, audit, seen, RECORD_TYPE, audit.number, zone=ctx.settings.zone)
        require_planned(audit)
        lines = store.questions_of(session, audit_id)
        refs = nc_refs(session, [q.nc_id for q in lines])
    found = [f"{refs.get(q.nc_id or 0, '')} line {q.seq}: {safe(q.note or q.question, 150)}" for q in lines if q.nc_id]
    found += [
        f"Observation, line {q.seq}: {safe(q.note or q.question, 150)}" for q in lines if q.answer == "observation"
    ]
    return blocks.complete_modal(audit, sum(1 for q in lines if not q.answer), found, checklist_at)


# --- reading ------------------------------------------------------------------------------------


def _view(session: Session, audit: Audit) -> blocks.AuditView:
    lines = store.questions_of(session, audit.id or 0)
    findings = store.findings_of(session, audit.id or 0)
    files = evidence_store.files_of(session, RECORD_TYPE, audit.number)
    return blocks.AuditView(audit, lines, findings, nc_refs(session, [f.nc_id for f in findings]), files)


def record_reply(ctx: Context, number: str, user: str | None = None) -> Reply:
    """One audit; its buttons only for `user` when they may work it (the lead auditor, a QMS manager)."""
    manager = user is not None and ctx.roles.is_manager(user)  # before the session: it may ask Slack
    with ctx.db.session() as session:
        audit = store.by_number(session, number)
        if audit is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/audit list` shows the programme.")
        works = user is None or manager or user == audit.lead_auditor
        return blocks.record(_view(session, audit), ctx.today(), buttons=works)


def current_cycle(settings: Any, day: date) -> tuple[date, date]:
    start = cycle_start(day, settings.audit_cycle_months)
    return start, add_months(start, settings.audit_cycle_months)


def programme_of(session: Session, settings: Any, day: date) -> blocks.Programme:
    start, end = current_cycle(settings, day)
    audits = store.in_cycle(session, start, end)
    covered = {a.process for a in audits}
    return blocks.Programme(start, end, audits, [p for p in settings.processes if p not in covered])


def programme_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        return blocks.programme(programme_of(session, ctx.settings, ctx.today()), ctx.today())


def done_vs_planned(session: Session, start: date, end: date) -> float | None:
    """Share of the audits planned for start … end - 1 that are completed (None when none was planned)."""
    audits = store.in_cycle(session, start, end)
    return 100.0 * sum(1 for a in audits if a.status == "completed") / len(audits) if audits else None
