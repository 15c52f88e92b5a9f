"""The audit's steps, each in one transaction: plan, cancel, answer the checklist, complete.

Who may take a step is asked before any transaction: with managers given as a user group
it may take a Slack call, which must never hold the database's write lock.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from sqlmodel import Session

from bot import nonconformity as nc_rules
from bot.audits import blocks
from bot.audits.forms import NOTE_MAX, Plan
from bot.audits.nudges import ALL_REMINDERS, AUDITEE_NOTICE, PLANNED_NOTE
from bot.delivery import versions
from bot.delivery.outbox import Nudge, enqueue
from bot.delivery.planned import Cancellable, cancel_planned
from bot.errors import AlreadyDone, NotAllowed, Refused
from bot.submissions import Submission, claim, record_made
from bot.surfaces.mrkdwn import mention
from bot.workspace.roles import Role
from storage import audits as store
from storage import nonconformities as nc_store
from storage.audit import record_change
from storage.models import Audit, AuditQuestion, Nonconformity
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "audit"

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


def require_auditor_or_manager(audit: Audit, user: str, manager: bool, doing: str) -> None:
    """`manager` is asked before any transaction: with managers given as a user group it may
    take a Slack call, which must never hold the database's write lock."""
    if user == audit.lead_auditor or manager:
        return
    raise NotAllowed(
        f"Only the lead auditor ({mention(audit.lead_auditor)}) or a QMS manager can {doing} {audit.number}."
    )


def existing(session: Session, audit_id: int) -> Audit:
    audit = store.get(session, audit_id)
    if audit is None:
        raise Refused("That audit no longer exists; `/audit list` shows the programme.")
    return audit


def require_planned(audit: Audit) -> None:
    if audit.status != "planned":
        raise Refused(f"{audit.number} is already {audit.status}. Nothing was changed.")


def nc_numbers(session: Session, ids: list[int | None]) -> dict[int, str]:
    """The NC numbers as the trail keeps them: plain."""
    return nc_store.numbers(session, [i for i in ids if i])


def nc_refs(session: Session, ids: list[int | None]) -> dict[int, str]:
    """The NC numbers as the audit's messages show them: linked to each NC's card once it is out."""
    cards = store.nc_cards(session, [i for i in ids if i])
    return {nc_id: f"<{link}|{number}>" if link else number for nc_id, (number, link) in cards.items()}


def finding_owner(ctx: Context, audit: Audit) -> str | None:
    """Who owns an NC an audit found: the process owner, else the (first) auditee, whose area it
    is; None leaves it to the NC's own default (a QMS manager)."""
    return ctx.settings.process_owner(audit.process) or next(iter(audit.auditees), None)


# --- planning ---------------------------------------------------------------------------------


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


def plan(ctx: Context, user: str, p: Plan, submission: Submission | None = None) -> Audit:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="plan internal audits")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
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
        _tell_planned(session, audit, now)
        record_made(session, submission, audit.number)
        return audit


def _tell_planned(session: Session, audit: Audit, now: datetime) -> None:
    """The lead auditor gets the audit with its checklist button; each auditee a notice."""
    note = blocks.planned_note(audit, for_auditor=True)
    enqueue(
        session,
        Nudge(PLANNED_NOTE.key(audit=audit.id), audit.lead_auditor, note.text, note.blocks, record_ref=audit.number),
        now,
    )
    notice = blocks.planned_note(audit, for_auditor=False)
    for person in audit.auditees:
        key = AUDITEE_NOTICE.key(audit=audit.id, person=person)
        enqueue(session, Nudge(key, person, notice.text, notice.blocks, record_ref=audit.number), now)


CANCELLABLE = Cancellable[Audit](
    record_type=RECORD_TYPE,
    doing="cancel planned audits",
    listed="`/audit list` shows the programme",
    find=store.by_number,
    move=store.move,
    closing=lambda reason, by, at: {"summary": reason, "completed_by": by, "completed_at": at},
    reminders=lambda audit: ALL_REMINDERS.prefix(audit=audit.id),
)


def cancel(ctx: Context, user: str, number: str, reason: str) -> Audit:
    return cancel_planned(ctx, CANCELLABLE, user, number, reason)


# --- the checklist ------------------------------------------------------------------------------


def line_done(session: Session, audit: Audit, line: AuditQuestion, zone: tzinfo) -> AlreadyDone:
    """Who answered this line since the select was drawn, from the audit's trail."""
    return versions.already_done(
        session,
        RECORD_TYPE,
        audit.number,
        zone=zone,
        concerning=lambda e: line.seq in ((e.after or {}).get("line"), (e.before or {}).get("line")),
        name=f"line {line.seq} of {audit.number}",
    )


def open_line(
    session: Session, line_id: int, user: str, manager: bool, seen: int | None = None, zone: tzinfo = UTC
) -> tuple[Audit, AuditQuestion]:
    """The line and its audit, once the person may answer it and it is still to answer.

    `seen` is the line's version the checklist was drawn for: two auditors answering
    different lines never refuse each other; answering the same line from an older
    checklist changes nothing and says who answered it."""
    line = store.question(session, line_id)
    if line is None:
        raise Refused("That checklist line no longer exists.")
    # Share-locked: completing the audit (which updates this row) waits for the answer, or
    # the answer sees the audit completed; never an answer on a completed audit.
    audit = store.get(session, line.audit_id, share_lock=True)
    if audit is None:
        raise Refused("That audit no longer exists; `/audit list` shows the programme.")
    require_auditor_or_manager(audit, user, manager, "answer the checklist of")
    require_planned(audit)
    if line.nc_id is not None:
        raise Refused(
            f"Line {line.seq} of {audit.number} already raised {nc_store.numbers(session, [line.nc_id]).get(line.nc_id, 'an NC')}; work it from the NC."
        )
    if seen is not None and seen != line.version:
        raise line_done(session, audit, line, zone)
    return audit, line


class Answered(NamedTuple):
    audit: Audit
    line: AuditQuestion


def answer(
    ctx: Context,
    line_id: int,
    user: str,
    result: str,
    note: str | None = None,
    seen: int | None = None,
    submission: Submission | None = None,
) -> Answered:
    """Answer a line conforming or with an observation (a nonconforming line raises an NC instead)."""
    if result not in ("conforming", "observation"):
        raise Refused("Choose conforming, nonconforming or observation.")
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    zone = ctx.settings.zone
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        audit, line = open_line(session, line_id, user, manager, seen, zone)
        record_made(session, submission, audit.number)
        before = line.answer
        if not store.answer(session, line, seen, answer=result, note=note, answered_by=user, answered_at=now):
            raise line_done(session, audit, line, zone)
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
        return Answered(audit, line)


def link_line(ctx: Context, line_id: int, user: str, seen: int | None = None) -> nc_rules.Link:
    """For raise_nc: mark the line nonconforming and make the NC a finding of its audit, in the NC's transaction."""
    manager = ctx.roles.is_manager(user)  # now, not inside the NC's transaction

    def link(session: Session, nc: Nonconformity) -> str:
        audit, line = open_line(session, line_id, user, manager, seen, ctx.settings.zone)
        if not store.answer(
            session,
            line,
            seen,
            answer="nonconforming",
            # What was found (the NC's title), unless that is only the line's question again.
            note=None if nc.title == line.question else nc.title[:NOTE_MAX],
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
