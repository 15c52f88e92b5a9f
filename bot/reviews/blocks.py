"""Block Kit for management reviews: the schedule and record forms, the input pack, the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot import evidence
from bot.delivery.versions import drawn
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    context,
    datepicker,
    divider,
    header,
    input_block,
    modal,
    multi_static_select,
    multi_users_select,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import moment, plural
from storage.models import EvidenceFile, ManagementReview, ReviewAction

RECURRENCE_LABELS = {
    "none": "Once",
    "quarterly": "Every quarter",
    "half-yearly": "Every half-year",
    "yearly": "Every year",
}
RECURRENCE_MONTHS = {"none": 0, "quarterly": 3, "half-yearly": 6, "yearly": 12}
LISTED = 20  # reviews in /review list, one section each
OUTPUT_ROWS = 5  # output actions in one form; more are added by recording them as NCs or in the next review


def schedule_modal(groups: list[tuple[str, str]], today: date) -> dict[str, Any]:
    blocks = [
        input_block("planned_date", "Date", datepicker("value"), hint=f"Today is {today:%d %b %Y}."),
        input_block(
            "attendees",
            "Attendees",
            multi_users_select("value", placeholder="Top management and process owners"),
            optional=True,
        ),
    ]
    if groups:
        blocks.append(
            input_block(
                "groups",
                "User groups",
                multi_static_select("value", [(label, gid) for gid, label in groups], placeholder="e.g. @leadership"),
                optional=True,
            )
        )
    blocks.append(
        input_block(
            "recurrence",
            "Recurrence",
            static_select("value", list((label, key) for key, label in RECURRENCE_LABELS.items()), initial="yearly"),
            hint="Once this review is held, the next one is planned automatically.",
        )
    )
    return modal(Callback.REVIEW_SCHEDULE, "Management review", blocks, submit="Schedule")


def _about(review: ManagementReview) -> str:
    return f"*{review.number}* · management review · {review.planned_date:%a %d %b %Y}"


def record_modal(review: ManagementReview, today: date) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        section(_about(review)),
        input_block("held_on", "Held on", datepicker("value", initial=min(today, review.planned_date))),
        input_block(
            "minutes",
            "Minutes and decisions",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                placeholder="Conclusions on the suitability, adequacy and effectiveness of the QMS; decisions on improvement, changes and resources",
            ),
        ),
        evidence.files_input(
            "Minutes or signed record",
            hint="The signed minutes, the slides presented (up to 10 files, 10 MB each).",
        ),
        context(
            "*Output actions* (9.3.3): each is tracked and nudged like a corrective action, and reported in the next review's pack."
        ),
    ]
    for n in range(1, OUTPUT_ROWS + 1):
        blocks += [
            input_block(f"action_{n}", f"Action {n}", text_input("value", max_length=500), optional=True),
            input_block(f"owner_{n}", f"Owner of action {n}", users_select("value"), optional=True),
            input_block(f"due_{n}", f"Due date of action {n}", datepicker("value"), optional=True),
        ]
    return modal(
        Callback.REVIEW_RECORD,
        "Record the review",
        blocks,
        submit="Record",
        private_metadata=json.dumps({"review": review.id, "seen": review.version}),
    )


def done_modal(review: ManagementReview, action: ReviewAction) -> dict[str, Any]:
    blocks = [
        section(f"{_about(review)}\n*Action {action.seq}*: {safe(action.description, 500)}"),
        input_block(
            "evidence",
            "Evidence",
            text_input("value", multiline=True, max_length=2000, placeholder="What was done, where the proof is"),
        ),
        evidence.files_input(),
    ]
    return modal(
        Callback.REVIEW_ACTION_DONE,
        "Action done",
        blocks,
        submit="Done",
        private_metadata=json.dumps({"action": action.id, "seen": action.version}),
    )


def _review_buttons(review: ManagementReview, manager: bool) -> list[dict[str, Any]]:
    """The pack for everyone who reads it; recording the meeting only for a QMS manager."""
    buttons = [button("Input pack", Action.REVIEW_PACK, str(review.id))]
    if manager and review.status == "planned":
        buttons.append(button("Record the meeting", Action.REVIEW_RECORD, drawn(review), style="primary"))
    return buttons


def scheduled_note(review: ManagementReview, pack_days: int, *, manager: bool = False) -> Reply:
    """The invitation; `manager` when the attendee is a QMS manager, who may record the meeting."""
    text = (
        f":calendar: You are invited to {_about(review)}. The input pack reaches you {plural(pack_days, 'day')} ahead;"
        " what it holds so far is a button away."
    )
    return Reply(text, [section(text), actions("review_invited", _review_buttons(review, manager))])


@dataclass
class PackSection:
    heading: str
    lines: list[str]
    no_data: str | None = None  # said plainly when the bot holds nothing for this input


@dataclass
class Pack:
    review: ManagementReview
    start: date
    end: date  # exclusive
    since: str  # "since MR-2025-0002 (held 02 Dec 2025)" or "the last 12 months"
    sections: list[PackSection]


def pack(p: Pack, *, manager: bool = False) -> Reply:
    """The input pack, one section per 9.3.2 input, within one message's 50 blocks; the button
    to record the meeting only for a QMS manager (`manager`)."""
    last = date.fromordinal(p.end.toordinal() - 1)
    text = f"Input pack for {p.review.number} ({p.review.planned_date:%d %b %Y}): {p.start:%d %b %Y} – {last:%d %b %Y}"
    blocks: list[dict[str, Any]] = [
        header(f"Management review {p.review.number}: input pack"),
        context(
            f"Compiled from the bot's records for {p.start:%d %b %Y} – {last:%d %b %Y} ({p.since}). Headings follow ISO 9001 9.3.2."
        ),
    ]
    for s in p.sections:
        body = capped_lines(s.lines, 2700) if s.lines else f"_{s.no_data}_"
        blocks.append(section(f"*{s.heading}*\n{body}"))
    if p.review.status == "planned" and manager:
        blocks += [
            divider(),
            actions("review_pack", [button("Record the meeting", Action.REVIEW_RECORD, drawn(p.review))]),
        ]
    return Reply(text, blocks)


def action_line(action: ReviewAction, today: date, number: str | None = None, zone: ZoneInfo | None = None) -> str:
    """One output action; `zone` (the organisation's) shows when it was done in each reader's own."""
    where = f"{number}/" if number else ""
    if action.status == "done":
        if action.done_at and zone is not None:
            state = f"done {moment(action.done_at, zone)}"
        else:
            state = f"done {action.done_at:%d %b}" if action.done_at else "done"
    elif action.due_date < today:
        state = f"*overdue* since {action.due_date:%d %b}"
    else:
        state = f"due {action.due_date:%d %b}"
    return f"{where}A{action.seq} {safe(action.description, 300)} · {mention(action.owner)} · {state}"


def record(
    review: ManagementReview,
    acts: list[ReviewAction],
    successor: ManagementReview | None,
    today: date,
    *,
    manager: bool = False,
    files: list[EvidenceFile] | None = None,
) -> Reply:
    """One review; the button to record it only for a QMS manager (`manager`); `files` are
    its evidence files (the minutes, the actions' evidence)."""
    attendees = ", ".join(mention(a) for a in review.attendees[:30]) + (
        f" and {len(review.attendees) - 30} more" if len(review.attendees) > 30 else ""
    )
    blocks: list[dict[str, Any]] = [
        header(f"{review.number} · management review"),
        section(
            None,
            fields=[
                f"*Planned*\n{review.planned_date:%d %b %Y}",
                f"*Status*\n{review.status}" + (f" on {review.held_on:%d %b %Y}" if review.held_on else ""),
                f"*Recurrence*\n{RECURRENCE_LABELS[review.recurrence]}",
                f"*Next*\n{successor.number} on {successor.planned_date:%d %b %Y}" if successor else "*Next*\n—",
            ],
        ),
        section(f"*Attendees*\n{attendees or '—'}"),
    ]
    if review.minutes:
        blocks.append(section(f"*Minutes and decisions*\n{safe(review.minutes, 2800)}"))
    if acts:
        blocks.append(section("*Output actions*\n" + capped_lines([action_line(a, today) for a in acts], 2800)))
    blocks += evidence.files_section(files or [])
    blocks.append(actions("review_buttons", _review_buttons(review, manager)))
    return Reply(f"{review.number}: management review on {review.planned_date:%d %b %Y}", blocks)


def held_note(review: ManagementReview, acts: list[ReviewAction], successor: ManagementReview | None) -> Reply:
    nxt = f" The next one is planned for *{successor.planned_date:%d %b %Y}* ({successor.number})." if successor else ""
    text = f":classical_building: {_about(review)} was held on {review.held_on:%d %b %Y} with {plural(len(acts), 'output action')}.{nxt}"
    blocks = [section(text)]
    if review.minutes:
        blocks.append(section(f"*Minutes and decisions*\n{safe(review.minutes, 2800)}"))
    if acts:
        blocks.append(
            section(
                "*Output actions*\n" + capped_lines([action_line(a, review.held_on or date.min) for a in acts], 2800)
            )
        )
    return Reply(text, blocks)


def action_assigned(review: ManagementReview, action: ReviewAction) -> Reply:
    text = f":pushpin: Management review {review.number} gave you an action, due *{action.due_date:%d %b %Y}*: {safe(action.description, 500)}"
    return Reply(
        text,
        [
            section(text),
            actions("review_action", [button("Mark done", Action.REVIEW_ACTION_DONE, drawn(action), style="primary")]),
        ],
    )


def action_reminder(review: ManagementReview, action: ReviewAction, stage: str, today: date) -> Reply:
    if stage == "today":
        when = "is due *today*"
    elif stage.startswith("before-"):
        when = f"is due on *{action.due_date:%d %b}*"
    else:
        when = f"was due on {action.due_date:%d %b} and is *overdue*"
    text = f":pushpin: Your action from management review {review.number} {when}: {safe(action.description, 500)}"
    return Reply(
        text,
        [
            section(text),
            actions("review_action", [button("Mark done", Action.REVIEW_ACTION_DONE, drawn(action), style="primary")]),
        ],
    )


def record_overdue(review: ManagementReview, *, to_channel: bool = False) -> Reply:
    """The reminder to record a review whose date has passed: to a QMS manager, or to the QMS
    channel when the managers are a user group (the button then says who may press it)."""
    text = (
        f":memo: {_about(review)} has not been recorded yet. Record the minutes, decisions and actions with the button."
    )
    label = "Record the meeting (QMS managers)" if to_channel else "Record the meeting"
    return Reply(
        text,
        [
            section(text),
            actions("review_record", [button(label, Action.REVIEW_RECORD, drawn(review), style="primary")]),
        ],
    )


def review_list(reviews: list[ManagementReview], open_actions: int) -> Reply:
    if not reviews:
        return Reply("No management review is planned. QMS managers plan one with `/review schedule`.")

    def line(r: ManagementReview) -> dict[str, Any]:
        said = f"{r.planned_date:%d %b %Y} *{r.number}* {r.status}" + (
            f" ({RECURRENCE_LABELS[r.recurrence].lower()})" if r.recurrence != "none" else ""
        )
        # The pack a button away, rather than a number to type.
        return section(said, accessory=button("Input pack", Action.REVIEW_PACK, str(r.id)))

    return Reply(
        f"Management reviews: {len(reviews)}",
        [
            header("Management reviews"),
            *[line(r) for r in reviews[:LISTED]],
            context(f"{plural(open_actions, 'output action')} open."),
        ],
    )
