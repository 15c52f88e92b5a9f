"""Internal audits (ISO 9001 9.2): the programme, the checklist, findings that become NCs.

A QMS manager plans an audit of a process; its lead auditor is reminded ahead (to prepare),
the day before and on the day, and after it, with the QMS managers, until it is completed.
The checklist is copied from the last audit of the same process, or built from the clauses
in scope; a line answered "nonconforming" raises an NC pre-filled from the line. Completing
the audit records a summary and its findings; each nonconformity found becomes an NC
(source "internal audit") in the same transaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import nonconformity as nc_rules
from bot.audits import blocks
from bot.delivery.due import add_months, cycle_start, due_stage, manager_recipients, parse_day
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.config import SEVERITIES
from bot.workspace.roles import Role
from storage import audits as store
from storage import nonconformities as nc_store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import Audit, AuditQuestion, Nonconformity
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

RECORD_TYPE = "audit"
NUMBER = re.compile(r"^AU-(\d{4})-(\d{4,})$", re.IGNORECASE)
SCOPE_MAX, CLAUSES_MAX, SUMMARY_MAX, FINDING_MAX, NOTE_MAX = 2000, 200, 3000, 1000, 2000
FINDINGS_MAX = 20  # per kind in one form: more is a sign the audit needs an NC of its own about the process

# A starting checklist for an audit with no predecessor: one question per requirement a
# process audit usually samples. The auditor's own lines come from the previous audit.
TEMPLATE: list[tuple[str, str]] = [
    ("4.4", "Are the process's inputs, outputs, sequence, criteria and owner determined?"),
    ("5.3", "Are responsibilities and authorities in the process assigned, communicated and understood?"),
    ("6.1", "Are the process's risks and opportunities identified, and are the actions on them effective?"),
    ("6.2", "Does the process have quality objectives, and are they monitored and met?"),
    ("7.1.5", "Are monitoring and measuring resources calibrated or verified, and fit for their purpose?"),
    ("7.2", "Are the people doing the work competent, with evidence (training records, qualifications)?"),
    ("7.3", "Are people aware of the quality policy, their objectives and what a nonconformity costs?"),
    ("7.5", "Are the documents at the workplace the current revisions, and are records kept and protected?"),
    (
        "8.5.1",
        "Is the work done under controlled conditions: instructions, suitable equipment, checks at the right stages?",
    ),
    ("8.7", "Are nonconforming outputs identified, segregated and dispositioned, with records?"),
    ("9.1", "Is the process's performance measured, analysed and reported?"),
    ("10.2", "Are the process's nonconformities corrected, their causes found and the actions effective?"),
]


def _managers_or_auditor(audit: Audit, user: str, manager: bool, doing: str) -> None:
    """`manager` is asked before any transaction: with managers given as a user group it may
    take a Slack call, which must never hold the database's write lock."""
    if user == audit.lead_auditor or manager:
        return
    raise NotAllowed(
        f"Only the lead auditor ({mention(audit.lead_auditor)}) or a QMS manager can {doing} {audit.number}."
    )


def _get(session: Session, audit_id: int) -> Audit:
    audit = store.get(session, audit_id)
    if audit is None:
        raise Refused("That audit no longer exists; `/audit list` shows the programme.")
    return audit


def _still_open(audit: Audit) -> None:
    if audit.status != "planned":
        raise Refused(f"{audit.number} is already {audit.status}. Nothing was changed.")


# --- planning ---------------------------------------------------------------------------------


@dataclass
class PlanForm:
    process: str | None = None
    scope: str | None = None
    clauses: str | None = None
    lead_auditor: str | None = None
    auditees: list[str] = field(default_factory=list)
    planned_date: str | None = None


@dataclass
class Plan:
    process: str
    scope: str
    clauses: list[str]
    lead_auditor: str
    auditees: list[str]
    planned_date: date


def check_plan(ctx: Context, form: PlanForm) -> tuple[dict[str, str], Plan | None]:
    errors: dict[str, str] = {}
    scope = (form.scope or "").strip()
    if form.process not in ctx.settings.processes:
        errors["process"] = "Choose the process or area to audit."
    if not scope:
        errors["scope"] = "Say what the audit covers."
    elif len(scope) > SCOPE_MAX:
        errors["scope"] = f"Keep the scope under {SCOPE_MAX} characters (it has {len(scope)})."
    clauses = [c for c in re.split(r"[,;\s]+", (form.clauses or "").strip()) if c]
    bad = [c for c in clauses if not nc_rules.CLAUSE.match(c)]
    if len(", ".join(clauses)) > CLAUSES_MAX:  # as stored: joined with ", "
        errors["clauses"] = f"Keep the clauses under {CLAUSES_MAX} characters."
    elif bad:
        errors["clauses"] = (
            f"Entry {clauses.index(bad[0]) + 1} is not a clause number: give ISO 9001 clauses such as 7.5, 8.5.1, separated by commas."
        )
    if not form.lead_auditor:
        errors["lead_auditor"] = "Choose the lead auditor."
    else:
        problem = nc_rules.assignee_error(ctx, form.lead_auditor)
        if problem:
            errors["lead_auditor"] = problem
        elif form.lead_auditor in form.auditees:
            # 9.2.2 c): auditors are chosen so that the audit is objective and impartial.
            errors["auditees"] = (
                "The lead auditor cannot be among the auditees: nobody audits their own work (ISO 9001 9.2.2)."
            )
    if "auditees" not in errors:
        try:
            problem = nc_rules.people_error(ctx, form.auditees)
        except SlackApiError as exc:
            problem = f"Slack did not answer just now ({exc.response.get('error')}); please send the form again."
        if problem:
            errors["auditees"] = problem
    if len(form.auditees) > 50:
        errors["auditees"] = "Choose at most 50 auditees; name the team's lead for a larger area."
    planned = parse_day(form.planned_date)
    if planned is None:
        errors["planned_date"] = "Choose the date of the audit from the calendar."
    elif planned < ctx.today():
        errors["planned_date"] = f"The audit cannot be planned in the past; today is {ctx.today():%d %b %Y}."
    if errors:
        return errors, None
    assert form.process and form.lead_auditor and planned
    return {}, Plan(form.process, scope, clauses, form.lead_auditor, list(dict.fromkeys(form.auditees)), planned)


def _related(a: str, b: str) -> bool:
    """The same clause, or one within the other (8.5 and 8.5.1)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def starting_checklist(session: Session, process: str, clauses: list[str]) -> list[tuple[str | None, str]]:
    """The last audit of the process's questions, or the template's lines for the clauses in scope."""
    previous = store.latest_of_process(session, process)
    if previous is not None:
        lines = [(q.clause, q.question) for q in store.questions_of(session, previous.id or 0)]
        if lines:
            return lines[: blocks.CHECKLIST_SHOWN]
    if clauses:
        chosen: list[tuple[str | None, str]] = [(c, q) for c, q in TEMPLATE if any(_related(c, s) for s in clauses)]
        # A clause in scope with no template question still gets a line to answer.
        chosen += [
            (s, f"Is clause {s} met in this process? Record the evidence sampled.")
            for s in clauses
            if not any(_related(s, c) for c, _ in TEMPLATE)
        ]
        return chosen[: blocks.CHECKLIST_SHOWN]
    return list(TEMPLATE)


def plan(ctx: Context, user: str, p: Plan) -> Audit:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="plan internal audits")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        audit = store.add(
            session,
            Audit(
                number=next_number(session, "AU", now.astimezone(ctx.settings.zone).year),
                process=p.process,
                scope=p.scope,
                clauses=", ".join(p.clauses) or None,
                lead_auditor=p.lead_auditor,
                auditees=p.auditees,
                planned_date=p.planned_date,
                planned_by=user,
                planned_at=now,
            ),
            starting_checklist(session, p.process, p.clauses),
        )
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=audit.number,
            action="planned",
            after={
                "process": audit.process,
                "scope": audit.scope,
                "clauses": audit.clauses,
                "lead_auditor": audit.lead_auditor,
                "auditees": audit.auditees,
                "planned_date": audit.planned_date.isoformat(),
            },
        )
        note = blocks.planned_note(audit, for_auditor=True)
        enqueue(
            session,
            Nudge(f"aulog:{audit.id}:planned", audit.lead_auditor, note.text, note.blocks, record_ref=audit.number),
            now,
        )
        notice = blocks.planned_note(audit, for_auditor=False)
        for person in audit.auditees:
            enqueue(
                session,
                Nudge(
                    f"aulog:{audit.id}:auditee:{person}", person, notice.text, notice.blocks, record_ref=audit.number
                ),
                now,
            )
        return audit


def cancel(ctx: Context, user: str, number: str, reason: str) -> Audit:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="cancel planned audits")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        audit = store.by_number(session, number)
        if audit is None:
            raise Refused(f"There is no {safe(number.upper(), 40)}; `/audit list` shows the programme.")
        if not store.move(
            session, audit, "planned", status="cancelled", summary=reason, completed_by=user, completed_at=now
        ):
            raise Refused(f"{audit.number} is already {audit.status}. Nothing was changed.")
        outbox_rows.cancel_pending(session, f"au:{audit.id}:")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=audit.number,
            action="cancelled",
            before={"status": "planned"},
            after={"status": "cancelled"},
            note=reason,
        )
        return audit


# --- the checklist ------------------------------------------------------------------------------


def _nc_numbers(session: Session, ids: list[int | None]) -> dict[int, str]:
    return nc_store.numbers(session, [i for i in ids if i])


def checklist_reply(ctx: Context, audit_id: int, user: str) -> Reply:
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        audit = _get(session, audit_id)
        _managers_or_auditor(audit, user, manager, "work the checklist of")
        lines = store.questions_of(session, audit_id)
        numbers = _nc_numbers(session, [q.nc_id for q in lines])
    return blocks.checklist(audit, lines, numbers, editable=audit.status == "planned")


def _line_for(session: Session, line_id: int, user: str, manager: bool) -> tuple[Audit, AuditQuestion]:
    line = store.question(session, line_id)
    if line is None:
        raise Refused("That checklist line no longer exists.")
    # Share-locked: completing the audit (which updates this row) waits for the answer, or
    # the answer sees the audit completed; never an answer on a completed audit.
    audit = store.get(session, line.audit_id, share_lock=True)
    if audit is None:
        raise Refused("That audit no longer exists; `/audit list` shows the programme.")
    _managers_or_auditor(audit, user, manager, "answer the checklist of")
    _still_open(audit)
    if line.nc_id is not None:
        raise Refused(
            f"Line {line.seq} of {audit.number} already raised {nc_store.numbers(session, [line.nc_id]).get(line.nc_id, 'an NC')}; work it from the NC."
        )
    return audit, line


def line_for_answer(ctx: Context, line_id: int, user: str) -> tuple[Audit, AuditQuestion]:
    """The line a person wants to answer, once they are allowed to (for opening its form)."""
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        return _line_for(session, line_id, user, manager)


def answer(ctx: Context, line_id: int, user: str, result: str, note: str | None = None) -> Audit:
    """Answer a line conforming or with an observation (a nonconforming line raises an NC instead)."""
    if result not in ("conforming", "observation"):
        raise Refused("Choose conforming, nonconforming or observation.")
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        audit, line = _line_for(session, line_id, user, manager)
        before = line.answer
        if not store.answer(session, line, answer=result, note=note, answered_by=user, answered_at=now):
            raise Refused(f"Line {line.seq} of {audit.number} raised an NC a moment ago; work it from the NC.")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=audit.number,
            action="checklist_answered",
            before={"line": line.seq, "answer": before},
            after={"line": line.seq, "answer": result, "note": note},
        )
        return audit


def nc_form(ctx: Context, line_id: int, user: str) -> nc_rules.RaiseForm:
    """The NC form pre-filled from a checklist line answered nonconforming."""
    audit, line = line_for_answer(ctx, line_id, user)
    return nc_rules.RaiseForm(
        title=f"{audit.number}: {line.question}"[: nc_rules.TITLE_MAX],
        description=f"Internal audit {audit.number} of {audit.process}, checklist line {line.seq}: {line.question}\n\nEvidence: ",
        source="internal_audit",
        process=audit.process,
        iso_clause=line.clause,
    )


def link_line(ctx: Context, line_id: int, user: str) -> nc_rules.Link:
    """For raise_nc: mark the line nonconforming and make the NC a finding of its audit, in the NC's transaction."""
    manager = ctx.roles.is_manager(user)  # now, not inside the NC's transaction

    def link(session: Session, nc: Nonconformity) -> str:
        audit, line = _line_for(session, line_id, user, manager)
        if not store.answer(
            session,
            line,
            answer="nonconforming",
            note=nc.description[:NOTE_MAX],
            answered_by=user,
            answered_at=ctx.clock.now(),
            nc_id=nc.id,
        ):
            raise nc_rules.AlreadyDone(
                f"Line {line.seq} of {audit.number} raised an NC a moment ago. Nothing was changed."
            )
        store.add_finding(session, audit.id or 0, "nonconformity", nc.title, nc.id)
        record_change(
            session,
            at=ctx.clock.now(),
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=audit.number,
            action="nonconformity_found",
            after={"line": line.seq, "nc": nc.number},
        )
        return audit.number

    return link


# --- completing -----------------------------------------------------------------------------------


@dataclass
class Completion:
    summary: str
    nonconformities: list[str]
    severity: str
    improvements: list[str]
    positives: list[str]


def _lines(text: str | None) -> list[str]:
    return [line.strip(" -•*\t") for line in (text or "").splitlines() if line.strip(" -•*\t")]


def check_completion(values: dict[str, Any]) -> tuple[dict[str, str], Completion | None]:
    errors: dict[str, str] = {}
    summary = (values.get("summary") or "").strip()
    if not summary:
        errors["summary"] = "Write the audit's summary: what was audited and the conclusion."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary under {SUMMARY_MAX} characters."
    found: dict[str, list[str]] = {}
    for block, what in (
        ("nonconformities", "nonconformity"),
        ("improvements", "opportunity for improvement"),
        ("positives", "positive observation"),
    ):
        found[block] = _lines(values.get(block))
        if len(found[block]) > FINDINGS_MAX:
            errors[block] = f"At most {FINDINGS_MAX} lines here; group related ones."
        elif any(len(line) > FINDING_MAX for line in found[block]):
            errors[block] = f"Keep each {what} under {FINDING_MAX} characters, one per line."
    severity = values.get("severity") or "minor"
    if severity not in SEVERITIES:
        errors["severity"] = "Choose the severity of the nonconformities."
    if errors:
        return errors, None
    return {}, Completion(summary, found["nonconformities"], severity, found["improvements"], found["positives"])


@dataclass
class Completed:
    audit: Audit
    raised: list[int]


def completion_form(ctx: Context, audit_id: int, user: str) -> dict[str, Any]:
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        audit = _get(session, audit_id)
        _managers_or_auditor(audit, user, manager, "complete")
        _still_open(audit)
        lines = store.questions_of(session, audit_id)
        numbers = _nc_numbers(session, [q.nc_id for q in lines])
    found = [f"{numbers.get(q.nc_id or 0, '')} line {q.seq}: {safe(q.question, 150)}" for q in lines if q.nc_id]
    found += [
        f"Observation, line {q.seq}: {safe(q.note or q.question, 150)}" for q in lines if q.answer == "observation"
    ]
    return blocks.complete_modal(audit, sum(1 for q in lines if not q.answer), found)


def complete(ctx: Context, audit_id: int, user: str, c: Completion) -> Completed:
    """Complete the audit: its findings stored, each nonconformity raised as an NC, all at once."""
    with ctx.db.session() as session:
        audit = _get(session, audit_id)
    _managers_or_auditor(audit, user, ctx.roles.is_manager(user), "complete")
    owner = nc_rules.default_owner(ctx, audit.process, user)  # may ask Slack: outside the transaction
    now = ctx.clock.now()
    raised: list[int] = []
    with ctx.db.session() as session:
        audit = _get(session, audit_id)
        if not store.move(
            session, audit, "planned", status="completed", summary=c.summary, completed_by=user, completed_at=now
        ):
            raise Refused(f"Already done: {audit.number} is {audit.status}. Nothing was changed.")
        outbox_rows.cancel_pending(session, f"au:{audit.id}:")
        for line in store.questions_of(session, audit_id):
            if line.answer == "observation":
                store.add_finding(
                    session, audit_id, "improvement", f"Line {line.seq}: {line.note or line.question}", None
                )
        for text in c.nonconformities:
            draft = nc_rules.Draft(
                title=text[: nc_rules.TITLE_MAX],
                description=f"{text}\n\nFound in internal audit {audit.number} of {audit.process}.",
                severity=c.severity,
                source="internal_audit",
                process=audit.process,
                supplier=None,
                iso_clause=None,
                containment=None,
                owner=owner,
                due_date=None,
            )
            nc = nc_rules.add_nc(session, ctx, user, draft, origin=audit.number)
            store.add_finding(session, audit_id, "nonconformity", text, nc.id)
            raised.append(nc.id or 0)
        for kind, texts in (("improvement", c.improvements), ("positive", c.positives)):
            for text in texts:
                store.add_finding(session, audit_id, kind, text, None)
        findings = store.findings_of(session, audit_id)
        numbers = _nc_numbers(session, [f.nc_id for f in findings])
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=audit.number,
            action="completed",
            before={"status": "planned"},
            after={
                "status": "completed",
                "findings": [{"kind": f.kind, "text": f.text, "nc": numbers.get(f.nc_id or 0)} for f in findings],
            },
            note=c.summary,
        )
        note = blocks.completed_note(audit, findings, numbers)
        told = dict.fromkeys([audit.lead_auditor, *manager_recipients(ctx.settings), *audit.auditees])
        for person in told:
            enqueue(
                session,
                Nudge(f"aulog:{audit.id}:completed:{person}", person, note.text, note.blocks, record_ref=audit.number),
                now,
            )
    return Completed(audit, raised)


# --- reading ------------------------------------------------------------------------------------


def _view(session: Session, audit: Audit) -> blocks.AuditView:
    lines = store.questions_of(session, audit.id or 0)
    findings = store.findings_of(session, audit.id or 0)
    return blocks.AuditView(audit, lines, findings, _nc_numbers(session, [f.nc_id for f in findings]))


def record_reply(ctx: Context, number: str) -> Reply:
    with ctx.db.session() as session:
        audit = store.by_number(session, number)
        if audit is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/audit list` shows the programme.")
        return blocks.record(_view(session, audit), ctx.today())


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


# --- nudges -----------------------------------------------------------------------------------------


def audit_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """The lead auditor ahead of the audit (to prepare), the day before and on the day; after it,
    until completed, the auditor and the QMS managers at the overdue cadence."""
    local_today = now.astimezone(settings.zone).date()
    ahead = [*settings.audit_prepare_days, 1]
    nudges: list[Nudge] = []
    for audit in store.planned(session, share_lock=True):
        stage = due_stage(audit.planned_date, local_today, settings, before=ahead)
        if stage is None:
            continue
        reply = blocks.reminder(audit, stage, local_today)
        key = f"au:{audit.id}:{audit.planned_date:%Y%m%d}:{stage}"
        nudges.append(
            Nudge(
                key,
                audit.lead_auditor,
                reply.text,
                reply.blocks,
                record_ref=audit.number,
                snoozable=not stage.startswith("overdue"),
            )
        )
        if stage.startswith("overdue"):
            for manager in manager_recipients(settings):
                if manager != audit.lead_auditor:
                    nudges.append(Nudge(f"{key}:{manager}", manager, reply.text, reply.blocks, record_ref=audit.number))
    return nudges
