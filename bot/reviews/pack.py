"""The input pack (ISO 9001 9.3.2), compiled from the bot's own records.

Its own module: one section per input, each read from another process's records, would
take the rules of reviews past the size of one readable file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot import audits, competence, outputs, risks, suppliers
from bot.delivery.due import add_months
from bot.feedback import figures
from bot.nonconformity import SOURCES, ref
from bot.objectives import lines as objective_lines
from bot.objectives import standings
from bot.reviews import blocks
from bot.surfaces.mrkdwn import safe
from bot.surfaces.words import plural
from storage import audits as audit_store
from storage import equipment as equipment_store
from storage import feedback as feedback_store
from storage import nonconformities as nc_store
from storage import objectives as objective_store
from storage import reports
from storage import reviews as store
from storage import trainings as training_store
from storage.models import Audit, AuditFinding, ManagementReview, Nonconformity

NCS_LISTED, ROUNDS_LISTED = 10, 10  # listed one by one; the counts above cover the rest
NO_DATA = "The bot holds no record of this; bring it to the meeting."


def _at(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True)
class _Span:
    """The pack's period: days `start` to `end` (exclusive), and the same as moments in the zone."""

    start: date
    end: date
    zone: Any
    day: date  # the day the pack is compiled for

    @property
    def lo(self) -> datetime:
        return _at(self.start, self.zone)

    @property
    def hi(self) -> datetime:
        return _at(self.end, self.zone)


def compile_pack(session: Session, settings: Any, review: ManagementReview, day: date) -> blocks.Pack:
    """The 9.3.2 inputs for the period since the last review held (else the last 12 months), up to `day`."""
    previous = store.last_held_before(session, min(day, review.planned_date))
    if previous is not None and previous.id != review.id and previous.held_on:
        start, since = previous.held_on, f"since {previous.number}, held {previous.held_on:%d %b %Y}"
    else:
        start, since = add_months(review.planned_date, -12), "no earlier review in the bot: the last 12 months"
    span = _Span(start, day + timedelta(days=1), settings.zone, day)
    ncs = reports.ncs_raised_between(session, span.lo, span.hi)
    findings = audit_store.findings_between(session, span.lo, span.hi)
    sections = [
        # a) status of actions from previous management reviews
        _earlier_actions(session, review, span),
        # b) changes in external and internal issues
        blocks.PackSection("Changes in external and internal issues relevant to the QMS", [], NO_DATA),
        # c1) customer satisfaction and feedback
        _customers(session, span),
        # c2) quality objectives
        blocks.PackSection(
            "Extent to which quality objectives have been met",
            objective_lines(standings(session, day, span.zone)),
            "No quality objectives are defined in the bot (`/kpi new`).",
        ),
        # c3) process performance and conformity
        _processes(ncs),
        # c4) nonconformities and corrective actions
        _nonconformities(session, span, ncs),
        # c5) monitoring and measurement results
        _measured(session, span),
        # c6) audit results
        _audit_results(session, span, findings),
        # c7) performance of external providers
        _providers(session, span, ncs),
        # d) adequacy of resources: competence by role (7.2) and measuring equipment (7.1.5)
        _resources(session, span),
        # e) effectiveness of actions taken to address risks and opportunities
        _risks(session, span, settings),
        # f) opportunities for improvement
        _improvements(session, span, findings),
        # c3, c4 again) nonconforming output (8.7): last, so the other inputs keep their places
        blocks.PackSection(
            "Nonconforming output: scrap, rework and the cost of poor quality",
            outputs.figure_lines(outputs.scrap_and_rework(session, span.start, span.end, span.zone)),
            "No scrap or rework was authorised in the period.",
        ),
    ]
    return blocks.Pack(review, span.start, span.end, since, sections)


def _resources(session: Session, span: _Span) -> blocks.PackSection:
    lines = competence.held_lines(competence.held_by_document(session, span.day, span.zone))
    state = equipment_store.count_by_state(session, span.day)
    if state["total"]:
        attention = equipment_store.needing_attention(session, span.day, limit=10)
        named = ", ".join(f"{safe(e.tag, 40)} ({e.status.replace('_', ' ')})" for e in attention)
        lines.append(
            f"Measuring equipment: {state['total']} in the register, {state['overdue']} overdue for calibration, "
            f"{state['quarantined']} quarantined" + (f": {named}" if named else "")
        )
    return blocks.PackSection(
        "Adequacy of resources",
        lines,
        "No competence requirements (`/training require`) or measuring equipment (`/equipment add`) are in the bot.",
    )


def _earlier_actions(session: Session, review: ManagementReview, span: _Span) -> blocks.PackSection:
    """The reviews held in the period (with how many actions they gave), then every earlier action's status."""
    held = [r for r in store.recent(session, 50) if r.status == "held" and r.id != review.id]
    actions = {r.id: store.actions_of(session, r.id or 0) for r in held}
    said = [
        f"{r.number} held {r.held_on:%d %b %Y}: {plural(len(actions[r.id]), 'output action')}"
        for r in held
        if r.held_on and span.start <= r.held_on < span.end
    ]
    earlier = [(a, r) for r in held for a in actions[r.id]]
    said += [
        blocks.action_line(a, span.day, r.number, span.zone)
        for a, r in sorted(earlier, key=lambda x: (x[0].status != "open", x[0].due_date))
    ]
    return blocks.PackSection(
        "Status of actions from previous management reviews",
        said,
        "No earlier management review recorded output actions in the bot.",
    )


def _customers(session: Session, span: _Span) -> blocks.PackSection:
    f = figures(session, span.start, span.end, span.zone)
    feedback_lines = []
    if f.ratings or f.complaints:
        feedback_lines = [
            f"Average rating *{f.average_rating:.1f}* of 5 from {plural(f.ratings, 'rated entry', 'rated entries')}"
            if f.average_rating is not None
            else "No rated feedback",
            f"*{plural(f.complaints, 'complaint')}*, {f.complaints_with_nc} raised as NCs"
            + (
                f"; median {f.median_days_to_respond:g} days to answer the customer"
                if f.median_days_to_respond is not None
                else ""
            ),
        ]
    return blocks.PackSection(
        "Customer satisfaction and feedback from relevant interested parties",
        feedback_lines,
        "No customer feedback was logged in the period.",
    )


def _processes(ncs: list[Nonconformity]) -> blocks.PackSection:
    by_process = Counter(nc.process for nc in ncs)
    return blocks.PackSection(
        "Process performance and conformity of products and services",
        [f"{safe(p, 80)}: *{plural(n, 'NC')}* raised" for p, n in by_process.most_common()],
        "No nonconformities were raised in the period.",
    )


def _nonconformities(session: Session, span: _Span, ncs: list[Nonconformity]) -> blocks.PackSection:
    closed = objective_store.ncs_closed_between(session, span.lo, span.hi)
    nc_lines = []
    if ncs or closed:
        effective = sum(1 for nc in closed if nc.verified_at)
        by_source = ", ".join(f"{SOURCES.get(k, k)} {n}" for k, n in Counter(nc.source for nc in ncs).most_common())
        nc_lines = [
            f"*{len(ncs)}* raised ({by_source or 'none'}), *{len(closed)}* closed, {effective} of them verified effective",
            f"*{nc_store.count_active(session)}* open now, {nc_store.count_active(session, overdue_on=span.day)} past their due date",
            f"{sum(1 for nc in ncs if nc.recurrence_of)} linked as recurrences of earlier NCs",
        ]
        # Each one named and linked to its card, not only counted.
        nc_lines += [f"{ref(nc)} {safe(nc.title, 120)} · {nc.status}" for nc in ncs[:NCS_LISTED]]
        if len(ncs) > NCS_LISTED:
            nc_lines.append(f"… and {plural(len(ncs) - NCS_LISTED, 'more NC')} (`/nc list`)")
    return blocks.PackSection(
        "Nonconformities and corrective actions",
        nc_lines,
        "No nonconformities were raised or closed in the period.",
    )


def _measured(session: Session, span: _Span) -> blocks.PackSection:
    due = objective_store.assignments_due_between(session, span.start, span.end)
    measured = _open_rounds(session)
    if due:
        read = sum(1 for a in due if a.status == "acknowledged")
        measured.append(
            f"Training and awareness: {read} of {len(due)} acknowledgements due in the period were given ({100 * read / len(due):.0f}%)"
        )
    return blocks.PackSection(
        "Monitoring and measurement results",
        measured,
        "No monitoring or measurement results are in the bot for the period.",
    )


def _open_rounds(session: Session) -> list[str]:
    """Training rounds still open, with how far they are acknowledged (`2 of 3 (67%)`)."""
    rounds = training_store.open_rounds(session)
    counts = training_store.counts(session, [r.id for r in rounds if r.id])
    said = []
    for r in rounds[:ROUNDS_LISTED]:
        done, pending = counts[r.id or 0]["acknowledged"], counts[r.id or 0]["pending"]
        share = f" ({100 * done / (done + pending):.0f}%)" if done + pending else ""
        said.append(
            f"Training {r.number} {safe(r.title, 100)} ({safe(r.doc_ref, 40)} rev {safe(r.revision, 20)}), open:"
            f" {done} of {plural(done + pending, 'person', 'people')} acknowledged{share}"
        )
    return said


def _audit_results(session: Session, span: _Span, findings: list[tuple[AuditFinding, Audit]]) -> blocks.PackSection:
    done = audit_store.completed_between(session, span.lo, span.hi)
    share = audits.done_vs_planned(session, span.start, span.end)
    audit_lines = []
    if done or share is not None:
        kinds = Counter(f.kind for f, _ in findings)
        audit_lines = [
            f"*{plural(len(done), 'internal audit')}* completed"
            + (f", {share:.0f}% of those planned in the period" if share is not None else ""),
            "Findings: " + audits.findings_said(kinds["nonconformity"], kinds["improvement"], kinds["positive"]),
        ] + [f"{a.number} {safe(a.process, 80)}: {safe(a.summary or '', 200)}" for a in done[:10]]
    return blocks.PackSection("Audit results", audit_lines, "No internal audit was planned or completed in the period.")


def _providers(session: Session, span: _Span, ncs: list[Nonconformity]) -> blocks.PackSection:
    """From the supplier register (8.4): suppliers by status, evaluations, NCs and returned quantities;
    supplier NCs naming a supplier not in the register are counted by the name typed."""
    free_text = [nc.supplier for nc in ncs if nc.supplier_id is None and (nc.source == "supplier" or nc.supplier)]
    performance = suppliers.performance(session, span.start, span.end, span.zone, free_text)
    return blocks.PackSection(
        "Performance of external providers",
        suppliers.performance_lines(performance),
        "The supplier register is empty and no supplier nonconformities were raised in the period.",
    )


def _risks(session: Session, span: _Span, settings: Any) -> blocks.PackSection:
    """The risk register (6.1): treatments, their actions done and open, residual against initial scores."""
    lines = risks.pack_lines(session, span.lo, span.hi, settings)
    preventive = [
        a for a in reports.actions_created_between(session, span.lo, span.hi) if a.kind == "preventive" and a.nc_id
    ]
    if preventive:
        done = sum(1 for a in preventive if a.status == "done")
        lines.append(f"Preventive actions from NCs: {done} done, {len(preventive) - done} open.")
    return blocks.PackSection("Effectiveness of actions taken to address risks and opportunities", lines, NO_DATA)


def _improvements(session: Session, span: _Span, findings: list[tuple[AuditFinding, Audit]]) -> blocks.PackSection:
    suggestions = [e for e in feedback_store.received_between(session, span.start, span.end) if e.kind == "suggestion"]
    ofis = [f"{a.number}: {safe(f.text, 200)}" for f, a in findings if f.kind == "improvement"]
    ofis += [f"Customer suggestion {e.number} ({safe(e.customer, 60)}): {safe(e.text, 200)}" for e in suggestions]
    return blocks.PackSection(
        "Opportunities for improvement", ofis, "No opportunities for improvement were recorded in the period."
    )
