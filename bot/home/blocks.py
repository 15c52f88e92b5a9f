"""The Home tab's Block Kit, built from what was read: pure functions, no database, no Slack."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import equipment, outputs, suppliers
from bot.delivery.versions import drawn
from bot.nonconformity import OWNER_STEPS, Status, buttons_for, done_button, ref, step_button
from bot.objectives import lines as objective_lines
from bot.registry import Action
from bot.surfaces.blocks import actions, button, capped_lines, context, divider, due_text, header, home, section
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import moment, plural
from storage.models import (
    AffectedOutput,
    Audit,
    ControlledDocument,
    CorrectiveAction,
    Disposition,
    Feedback,
    ManagementReview,
    MeasuringEquipment,
    Nonconformity,
    ReviewAction,
    TrainingAssignment,
    TrainingRound,
)
from storage.models_suppliers import Supplier

LIST_SHOWN = 10
ACKS_SHOWN = 5
AUTHORISE_SHOWN = 5  # two blocks each (the decision, its Authorise / Reject)


@dataclass
class MyWork:
    """A person's own quality work, as read for their Home tab."""

    user: str
    ncs: list[Nonconformity] = field(default_factory=list)
    actions: list[tuple[CorrectiveAction, Nonconformity]] = field(default_factory=list)
    to_read: list[tuple[TrainingAssignment, TrainingRound]] = field(default_factory=list)
    complaints: list[Feedback] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    reviews: list[ManagementReview] = field(default_factory=list)
    review_actions: list[tuple[ReviewAction, ManagementReview]] = field(default_factory=list)
    documents: list[ControlledDocument] = field(default_factory=list)
    equipment: list[MeasuringEquipment] = field(default_factory=list)  # theirs, due or quarantined
    suppliers: list[Supplier] = field(default_factory=list)  # evaluations of theirs due soon or overdue
    manager: bool = False  # a QMS manager: verifies, closes, records reviews
    # For a QMS manager: NCs waiting to be verified or closed, each with its actions.
    to_verify: list[tuple[Nonconformity, list[CorrectiveAction]]] = field(default_factory=list)
    # For a disposition approver: the oldest AUTHORISE_SHOWN decisions others recorded, and how many in all.
    approver: bool = False
    to_authorise: list[tuple[Disposition, AffectedOutput, Nonconformity]] = field(default_factory=list)
    to_authorise_count: int = 0
    # Output still on hold on the NCs listed (NC id -> what is on hold and its unit).
    on_hold: dict[int, tuple[outputs.Holding, str]] = field(default_factory=dict)
    # Work other registers list for the person, already drawn (bot.risks: reviews, treatment actions).
    more: list[tuple[date, str, dict[str, Any] | None]] = field(default_factory=list)


# One line of the Home tab's work list: when it is due, what it says, the button that does it.
Item = tuple[date, str, dict[str, Any] | None]


@dataclass
class Registers:
    """The registers at a glance, as read for a QMS manager's Home tab."""

    by_status: dict[str, int]
    overdue_ncs: int
    overdue_actions: list[tuple[CorrectiveAction, Nonconformity]]  # the first LIST_SHOWN of them
    overdue_action_count: int
    rounds: list[TrainingRound]
    counts: dict[int, dict[str, int]]
    complaints_open: int
    programme: Any  # bot.audits' Programme: this cycle's audits and the processes not yet planned
    docs_overdue: int
    planned_reviews: list[ManagementReview]
    objectives: list[Any]  # bot.objectives' Standings
    equipment_counts: dict[str, int] = field(default_factory=dict)
    equipment_attention: list[MeasuringEquipment] = field(default_factory=list)  # quarantined or overdue
    competence: str | None = None  # bot.competence's gaps line; None when no role has a requirement


def home_tab(
    mine: MyWork,
    today: date,
    registers: list[dict[str, Any]] | None,
    updated: datetime,
    zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        header("Your quality work"),
        actions(
            "home_start",
            [
                button("Raise nonconformity", Action.HOME_RAISE_NC, "home", style="primary"),
                button("Log customer feedback", Action.HOME_LOG_FEEDBACK, "home"),
            ],
        ),
    ]
    blocks += work_blocks(
        work_items(mine, today), "Your open NCs, actions and complaints", "Nothing open. :white_check_mark:"
    )
    if mine.approver:
        blocks += authorise_blocks(mine)
    blocks += to_read_blocks(mine.to_read)
    blocks += work_blocks(
        agenda_items(mine, today), "Your audits, reviews and document reviews", "None coming up for you."
    )
    if registers:
        blocks += [divider(), header("Registers (QMS manager)"), *registers]
    shown = moment(updated, zone) if zone else f"{updated:%d %b %H:%M}"
    blocks.append(context(f"Updated {shown}. `/qms help` lists every command."))
    return home(blocks)


def work_blocks(items: list[Item], title: str, empty: str) -> list[dict[str, Any]]:
    """A heading, then each item on its own line with the button that does it (the first LIST_SHOWN)."""
    if not items:
        return [section(f"*{title}* (0)\n{empty}")]
    blocks = [section(f"*{title}* ({len(items)})")]
    for _, line, press in items[:LIST_SHOWN]:
        blocks.append(section(line, accessory=press) if press else section(line))
    if len(items) > LIST_SHOWN:
        blocks.append(context(f"… and {len(items) - LIST_SHOWN} more: `/nc list mine` lists your NCs and actions"))
    return blocks


def _first(buttons: list[dict[str, Any]]) -> dict[str, Any] | None:
    return buttons[0] if buttons else None


def work_items(mine: MyWork, today: date) -> list[Item]:
    """What the person is to do, overdue first, then by due date: today's work is at the top."""
    work: list[Item] = []
    for nc in mine.ncs:
        if nc.owner != mine.user:
            continue
        status = Status(nc.status)
        step = OWNER_STEPS.get(status)
        next_up = f" · next: {step[2]}" if step else ""
        line = f"{ref(nc)} · {safe(nc.title, 120)} · {status.label}{next_up} · due {due_text(nc.due_date, today)}"
        line += _held(mine, nc)
        work.append((nc.due_date, line, step_button(nc, step[0]) if step else None))
    work += [
        (
            a.due_date,
            f"{ref(nc)} *A{a.seq}* · {safe(a.description, 120)} · due {due_text(a.due_date, today)}",
            done_button(nc, a) if Status(nc.status) is Status.ACTIONS_PLANNED else None,
        )
        for a, nc in mine.actions
    ]
    for nc, done in mine.to_verify:
        press = _first(buttons_for(nc, done, mine.user, mine.manager))
        what = "verify the actions' effectiveness" if nc.status == Status.ACTIONS_DONE else "close it"
        if press:  # a manager who did some of the actions leaves the check to another
            work.append((nc.due_date, f"{ref(nc)} · {safe(nc.title, 120)} · {what}{_held(mine, nc)}", press))
    work += [
        (
            c.respond_by or today,
            f"Complaint {c.number} · answer {safe(c.customer, 80)} by {c.respond_by:%d %b}",
            button("Customer answered", Action.FEEDBACK_ADVANCE, drawn(c)),
        )
        for c in mine.complaints
    ]
    work += [
        (
            a.due_date,
            f"*{r.number}* A{a.seq} · {safe(a.description, 120)} · due {due_text(a.due_date, today)}",
            button("Mark done", Action.REVIEW_ACTION_DONE, drawn(a)),
        )
        for a, r in mine.review_actions
    ]
    return sorted(work + mine.more, key=lambda item: item[0])


def _held(mine: MyWork, nc: Nonconformity) -> str:
    """ " · 40 pcs still on hold: 40 awaiting authorisation", or nothing: what keeps it from closing."""
    held = mine.on_hold.get(nc.id or 0)
    return f" · :no_entry: {outputs.hold_said(*held)}" if held else ""


def authorise_blocks(mine: MyWork) -> list[dict[str, Any]]:
    """The decisions awaiting the approver, oldest first, each with the DM request's buttons."""
    title = f"*Dispositions awaiting your authorisation* ({mine.to_authorise_count})"
    if not mine.to_authorise:
        return [section(f"{title}\nNone waiting for you.")]
    blocks = [section(title)]
    for d, output, nc in mine.to_authorise[:AUTHORISE_SHOWN]:
        # Pending: no authorisation time to show, so the zone does not matter.
        line = outputs.decision_line(d, output.unit, UTC)
        blocks.append(section(f"{ref(nc)} · {safe(nc.title, 120)}\n{line}"))
        blocks.append(outputs.authorise_buttons(d, output.unit, block_id=f"home_authorise_{d.id}"))
    more = mine.to_authorise_count - min(len(mine.to_authorise), AUTHORISE_SHOWN)
    if more > 0:
        blocks.append(context(f"… and {more} more: each has its request, with these buttons, in your DMs from the bot"))
    return blocks


def to_read_blocks(to_read: list[tuple[TrainingAssignment, TrainingRound]]) -> list[dict[str, Any]]:
    blocks = [section(f"*To read and acknowledge* ({len(to_read)})" + ("" if to_read else "\nNothing to read."))]
    for assignment, training in to_read[:ACKS_SHOWN]:
        blocks.append(
            section(
                f"*{safe(training.doc_ref, 40)} rev {safe(training.revision, 20)}* · {safe(training.title, 150)} · read by {training.due_date:%d %b}",
                accessory=button("I've read and understood", Action.TRAINING_ACK, drawn(assignment), style="primary"),
            )
        )
    if len(to_read) > ACKS_SHOWN:
        blocks.append(context(f"… and {len(to_read) - ACKS_SHOWN} more: `/training me` lists them all"))
    return blocks


def agenda_items(mine: MyWork, today: date) -> list[Item]:
    planned: list[Item] = [
        (
            a.planned_date,
            f"*{a.number}* · you audit {safe(a.process, 80)} · {due_text(a.planned_date, today)}",
            button("Open the checklist", Action.AUDIT_CHECKLIST, str(a.id)),
        )
        for a in mine.audits
    ]
    planned += [
        (
            r.planned_date,
            f"*{r.number}* · management review · {r.planned_date:%a %d %b}",
            # Only a QMS manager records the meeting: the other attendees are not offered it.
            button("Record the meeting", Action.REVIEW_RECORD, drawn(r)) if mine.manager else None,
        )
        for r in mine.reviews
    ]
    planned += [
        (
            d.next_review,
            f"*{safe(d.reference, 40)}* rev {safe(d.revision, 20)} · review {due_text(d.next_review, today)}",
            None,
        )
        for d in mine.documents
    ]
    planned += [
        (
            e.next_due,
            f"*{safe(e.tag, 40)}* · calibration · {equipment.status_text(e, today, 0)}"
            + (" (its NC decides on earlier results)" if e.status == "quarantined" else ""),
            equipment.calibrate_button(e)["elements"][0],
        )
        for e in mine.equipment
    ]
    planned += [
        (
            s.next_evaluation,
            f"*{safe(s.name, 100)}* · supplier evaluation {due_text(s.next_evaluation, today)}",
            suppliers.evaluate_button(s),
        )
        for s in mine.suppliers
    ]
    return sorted(planned, key=lambda item: item[0])


def registers_blocks(r: Registers, today: date) -> list[dict[str, Any]]:
    blocks = [section("\n".join(register_lines(r, today)))]
    if r.overdue_actions:
        blocks.append(
            section(
                "*Overdue actions*\n"
                + capped_lines(
                    [
                        f"{ref(nc)} A{a.seq} · {mention(a.owner)} · due {a.due_date:%d %b}"
                        for a, nc in r.overdue_actions
                    ],
                    2900,
                    max_lines=LIST_SHOWN,
                    total=r.overdue_action_count,
                )
            )
        )
    training = [
        f"{t.number} · {safe(t.doc_ref, 40)} rev {safe(t.revision, 20)} · {c['acknowledged']}/{c['acknowledged'] + c['pending']}"
        for t in r.rounds
        for c in [r.counts.get(t.id or 0, {"pending": 0, "acknowledged": 0})]
    ]
    if training:
        blocks.append(section("*Open training rounds*\n" + capped_lines(training, 2900, max_lines=LIST_SHOWN)))
    blocks.append(
        section("*Quality objectives*\n" + capped_lines(objective_lines(r.objectives), 2900, max_lines=LIST_SHOWN))
        if r.objectives
        else context("Quality objectives appear here once defined with `/kpi new`.")
    )
    return blocks


def register_lines(r: Registers, today: date) -> list[str]:
    states = (
        " · ".join(
            f"{Status(s).label}: *{n}*"
            for s, n in sorted(r.by_status.items(), key=lambda kv: list(Status).index(Status(kv[0])))
        )
        or "none open"
    )
    audits = r.programme.audits
    done = sum(1 for a in audits if a.status == "completed")
    late = sum(1 for a in audits if a.status == "planned" and a.planned_date < today)
    next_review = next((v for v in r.planned_reviews if v.planned_date >= today), None)
    unrecorded = [v for v in r.planned_reviews if v.planned_date < today]
    lines = [
        f"*Nonconformities open*: {states}",
        f"*Overdue*: {plural(r.overdue_ncs, 'NC')}, {plural(r.overdue_action_count, 'action')}",
        f"*Complaints open*: {r.complaints_open}",
        f"*Audit programme*: {done} of {len(audits)} done this cycle, {late} overdue, {plural(len(r.programme.gaps), 'process', 'processes')} not yet planned",
        f"*Document reviews overdue*: {r.docs_overdue}",
        f"*Measuring equipment*: {r.equipment_counts.get('overdue', 0)} overdue for calibration, "
        f"{r.equipment_counts.get('quarantined', 0)} quarantined"
        + (
            " — "
            + ", ".join(f"{safe(e.tag, 40)} ({equipment.status_text(e, today, 0)})" for e in r.equipment_attention)
            if r.equipment_attention
            else ""
        ),
        f"*Next management review*: {next_review.number} on {next_review.planned_date:%d %b %Y}"
        if next_review
        else "*Next management review*: none planned (`/review schedule`)",
    ]
    if r.competence:
        lines.append(r.competence)
    if unrecorded:
        lines.append(
            "*Held but not recorded*: "
            + ", ".join(f"{v.number} ({v.planned_date:%d %b})" for v in unrecorded[:5])
            + " — `/review record`"
        )
    return lines
