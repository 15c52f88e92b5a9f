"""Completing an audit, in one transaction: its findings stored, each nonconformity raised as
an NC, the people told. Apart from the other steps (rules.py) to keep each file readable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import nonconformity as nc_rules
from bot.audits import blocks
from bot.audits.forms import Completion
from bot.audits.nudges import ALL_REMINDERS, COMPLETED_NOTE
from bot.audits.rules import RECORD_TYPE, existing, finding_owner, nc_numbers, nc_refs, require_auditor_or_manager
from bot.delivery import versions
from bot.delivery.due import manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.submissions import Submission, claim
from storage import audits as store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import Audit, AuditFinding

if TYPE_CHECKING:
    from bot.context import Context


@dataclass
class Completed:
    audit: Audit
    raised: list[int]


def complete(
    ctx: Context,
    audit_id: int,
    user: str,
    c: Completion,
    seen: int | None = None,
    submission: Submission | None = None,
) -> Completed:
    """Complete the audit: its findings stored, each nonconformity raised as an NC, all at once.

    `seen` is the audit's version the form was opened for (carried in its metadata)."""
    with ctx.db.session() as session:
        audit = existing(session, audit_id)
    require_auditor_or_manager(audit, user, ctx.roles.is_manager(user), "complete")
    # The process owner or the auditee; else the NC default, which may ask Slack: outside the transaction.
    owner = finding_owner(ctx, audit) or nc_rules.default_owner(ctx, audit.process, user)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, audit.number)
        audit = existing(session, audit_id)
        versions.require_seen(session, audit, seen, RECORD_TYPE, audit.number, zone=ctx.settings.zone)
        if not store.move(
            session, audit, "planned", seen, status="completed", summary=c.summary, completed_by=user, completed_at=now
        ):
            raise versions.already_done(session, RECORD_TYPE, audit.number, zone=ctx.settings.zone)
        outbox_rows.cancel_pending(session, ALL_REMINDERS.prefix(audit=audit.id))
        raised = _store_findings(session, ctx, user, audit, c, owner)
        findings = store.findings_of(session, audit_id)
        numbers = nc_numbers(session, [f.nc_id for f in findings])
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
        # Held back while the new NCs' cards go out, as an NC's own announcements are:
        # announce_completed() links their numbers and releases the notes at once.
        held = now + nc_rules.ANNOUNCE_GRACE if raised else now
        _tell_completed(session, ctx, audit, findings, nc_refs(session, [f.nc_id for f in findings]), held, now)
    return Completed(audit, raised)


def _store_findings(session: Session, ctx: Context, user: str, audit: Audit, c: Completion, owner: str) -> list[int]:
    """The checklist's observations and the form's findings; each nonconformity raised as an NC
    owned by `owner`. Returns the raised NCs' ids."""
    audit_id = audit.id or 0
    raised: list[int] = []
    for line in store.questions_of(session, audit_id):
        if line.answer == "observation":
            store.add_finding(session, audit_id, "improvement", f"Line {line.seq}: {line.note or line.question}", None)
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
    return raised


def _completed_told(ctx: Context, audit: Audit) -> list[str]:
    return list(dict.fromkeys([audit.lead_auditor, *manager_recipients(ctx.settings), *audit.auditees]))


def _tell_completed(
    session: Session,
    ctx: Context,
    audit: Audit,
    findings: list[AuditFinding],
    refs: dict[int, str],
    not_before: datetime,
    now: datetime,
) -> None:
    """The lead auditor, the QMS managers and the auditees get the findings, once each."""
    note = blocks.completed_note(audit, findings, refs)
    for person in _completed_told(ctx, audit):
        key = COMPLETED_NOTE.key(audit=audit.id, person=person)
        nudge = Nudge(key, person, note.text, note.blocks, record_ref=audit.number, not_before=not_before)
        enqueue(session, nudge, now)


def announce_completed(ctx: Context, audit_id: int) -> None:
    """Once the NCs it raised have their cards: the completion notes with the NC numbers linked, released now."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        audit = existing(session, audit_id)
        findings = store.findings_of(session, audit_id)
        note = blocks.completed_note(audit, findings, nc_refs(session, [f.nc_id for f in findings]))
        for person in _completed_told(ctx, audit):
            key = COMPLETED_NOTE.key(audit=audit.id, person=person)
            outbox_rows.rewrite_pending(session, key, text=note.text, blocks=note.blocks, not_before=now)
