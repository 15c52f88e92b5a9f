"""Management reviews (ISO 9001 9.3): planned, fed by an input pack, minuted, followed up.

A QMS manager schedules a review with its attendees and a recurrence. QMS_REVIEW_PACK_DAYS
before it, each attendee gets the input pack, compiled from the bot's own records for the
period since the last review and organised by the inputs clause 9.3.2 lists; where the bot
holds nothing for an input, the pack says so. After the meeting a QMS manager records the
minutes, decisions and output actions (9.3.3); the actions are nudged like CAPA actions,
and a recurring review plans its successor.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import audits
from bot.delivery.due import add_months, due_stage, manager_recipients, parse_day
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.feedback import figures
from bot.nonconformity.lifecycle import SOURCES
from bot.objectives import lines as objective_lines
from bot.objectives import standings
from bot.reviews import blocks
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.people_checks import assignee_error, people_error
from bot.workspace.roles import Role
from storage import audits as audit_store
from storage import feedback as feedback_store
from storage import nonconformities as nc_store
from storage import objectives as objective_store
from storage import outbox as outbox_rows
from storage import reports
from storage import reviews as store
from storage.audit import record_change
from storage.models import ManagementReview, ReviewAction
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "management_review"
NUMBER = re.compile(r"^MR-(\d{4})-(\d{4,})$", re.IGNORECASE)
ATTENDEES_MAX = 100
MINUTES_MAX, ACTION_MAX, EVIDENCE_MAX = 3000, 500, 2000


def _get(session: Session, review_id: int) -> ManagementReview:
    review = store.get(session, review_id)
    if review is None:
        raise Refused("That management review no longer exists; `/review list` shows them.")
    return review


# --- scheduling ------------------------------------------------------------------------------------


@dataclass
class Schedule:
    planned_date: date
    attendees: list[str]
    recurrence: str


def check_schedule(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Schedule | None]:
    """Errors by block, or the schedule with user groups expanded to their members (Slack calls)."""
    errors: dict[str, str] = {}
    planned = parse_day(values.get("planned_date"))
    if planned is None:
        errors["planned_date"] = "Choose the date of the review."
    elif planned < ctx.today():
        errors["planned_date"] = f"The review cannot be planned in the past; today is {ctx.today():%d %b %Y}."
    recurrence = values.get("recurrence") or "none"
    if recurrence not in blocks.RECURRENCE_LABELS:
        errors["recurrence"] = "Choose how often the review recurs."
    people = list(values.get("attendees") or [])
    try:
        for group in values.get("groups") or []:
            people += sorted(ctx.directory.group_members(group))
        people = list(dict.fromkeys(people))
        problem = people_error(ctx, people)
    except SlackApiError as exc:
        problem = f"Slack did not give the members just now ({exc.response.get('error')}); please send the form again."
    if problem:
        errors["attendees"] = problem
    elif not people:
        errors["attendees"] = "Choose the attendees: people, a user group, or both."
    elif len(people) > ATTENDEES_MAX:
        errors["attendees"] = f"At most {ATTENDEES_MAX} attendees."
    if errors:
        return errors, None
    assert planned
    return {}, Schedule(planned, people, recurrence)


def _plan(
    session: Session, ctx: Context, user: str, s: Schedule, previous: ManagementReview | None, now: datetime
) -> ManagementReview:
    review = store.add(
        session,
        ManagementReview(
            number=next_number(session, "MR", s.planned_date.year),
            planned_date=s.planned_date,
            attendees=s.attendees,
            recurrence=s.recurrence,
            scheduled_by=user,
            scheduled_at=now,
            previous_id=previous.id if previous else None,
        ),
    )
    record_change(
        session,
        at=now,
        actor=user,
        record_type=RECORD_TYPE,
        record_ref=review.number,
        action="scheduled",
        after={
            "planned_date": review.planned_date.isoformat(),
            "attendees": review.attendees,
            "recurrence": review.recurrence,
            "previous": previous.number if previous else None,
        },
    )
    note = blocks.scheduled_note(review, ctx.settings.review_pack_days)
    for person in review.attendees:
        enqueue(
            session,
            Nudge(f"mrlog:{review.id}:invited:{person}", person, note.text, note.blocks, record_ref=review.number),
            now,
        )
    return review


def schedule(ctx: Context, user: str, s: Schedule) -> ManagementReview:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="schedule management reviews")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        return _plan(session, ctx, user, s, None, now)


def cancel(ctx: Context, user: str, number: str, reason: str) -> ManagementReview:
    """Cancel a planned review (planned in error, or replaced): its pack and reminders stop."""
    ctx.roles.require(user, Role.QMS_MANAGER, doing="cancel management reviews")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        review = store.by_number(session, number)
        if review is None:
            raise Refused(f"There is no {safe(number.upper(), 40)}; `/review list` shows the reviews.")
        if not store.move(
            session, review, "planned", status="cancelled", minutes=reason, recorded_by=user, recorded_at=now
        ):
            raise Refused(f"{review.number} is already {review.status}. Nothing was changed.")
        outbox_rows.cancel_pending(session, f"mr:{review.id}:")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=review.number,
            action="cancelled",
            before={"status": "planned"},
            after={"status": "cancelled"},
            note=reason,
        )
        return review


# --- the input pack ---------------------------------------------------------------------------------


NO_DATA = "The bot holds no record of this; bring it to the meeting."


def _at(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def compile_pack(session: Session, settings: Any, review: ManagementReview, day: date) -> blocks.Pack:
    """The 9.3.2 inputs for the period since the last review held (else the last 12 months), up to `day`."""
    zone = settings.zone
    previous = store.last_held_before(session, min(day, review.planned_date))
    if previous is not None and previous.id != review.id and previous.held_on:
        start, since = previous.held_on, f"since {previous.number}, held {previous.held_on:%d %b %Y}"
    else:
        start, since = add_months(review.planned_date, -12), "no earlier review in the bot: the last 12 months"
    end = day + timedelta(days=1)
    lo, hi = _at(start, zone), _at(end, zone)
    s: list[blocks.PackSection] = []

    # a) status of actions from previous management reviews
    earlier = [
        (a, r)
        for r in store.recent(session, 50)
        if r.status == "held" and r.id != review.id
        for a in store.actions_of(session, r.id or 0)
    ]
    s.append(
        blocks.PackSection(
            "Status of actions from previous management reviews",
            [
                blocks.action_line(a, day, r.number)
                for a, r in sorted(earlier, key=lambda x: (x[0].status != "open", x[0].due_date))
            ],
            "No earlier management review recorded output actions in the bot.",
        )
    )
    # b) changes in external and internal issues
    s.append(blocks.PackSection("Changes in external and internal issues relevant to the QMS", [], NO_DATA))
    # c1) customer satisfaction and feedback
    f = figures(session, start, end, zone)
    suggestions = [e for e in feedback_store.received_between(session, start, end) if e.kind == "suggestion"]
    feedback_lines = []
    if f.ratings or f.complaints:
        feedback_lines = [
            f"Average rating *{f.average_rating:.1f}* of 5 from {f.ratings} rated entries"
            if f.average_rating is not None
            else "No rated feedback",
            f"*{f.complaints}* complaint{'s' if f.complaints != 1 else ''}, {f.complaints_with_nc} raised as NCs"
            + (
                f"; median {f.median_days_to_respond:g} days to answer the customer"
                if f.median_days_to_respond is not None
                else ""
            ),
        ]
    s.append(
        blocks.PackSection(
            "Customer satisfaction and feedback from relevant interested parties",
            feedback_lines,
            "No customer feedback was logged in the period.",
        )
    )
    # c2) quality objectives
    s.append(
        blocks.PackSection(
            "Extent to which quality objectives have been met",
            objective_lines(standings(session, day, zone)),
            "No quality objectives are defined in the bot (`/kpi new`).",
        )
    )
    # c3) process performance and conformity
    ncs = reports.ncs_raised_between(session, lo, hi)
    by_process = Counter(nc.process for nc in ncs)
    s.append(
        blocks.PackSection(
            "Process performance and conformity of products and services",
            [f"{safe(p, 80)}: *{n}* NC{'s' if n != 1 else ''} raised" for p, n in by_process.most_common()],
            "No nonconformities were raised in the period.",
        )
    )
    # c4) nonconformities and corrective actions
    closed = objective_store.ncs_closed_between(session, lo, hi)
    nc_lines = []
    if ncs or closed:
        effective = sum(1 for nc in closed if nc.verified_at)
        by_source = ", ".join(f"{SOURCES.get(k, k)} {n}" for k, n in Counter(nc.source for nc in ncs).most_common())
        nc_lines = [
            f"*{len(ncs)}* raised ({by_source or 'none'}), *{len(closed)}* closed, {effective} of them verified effective",
            f"*{nc_store.count_active(session)}* open now, {nc_store.count_active(session, overdue_on=day)} past their due date",
            f"{sum(1 for nc in ncs if nc.recurrence_of)} linked as recurrences of earlier NCs",
        ]
    s.append(
        blocks.PackSection(
            "Nonconformities and corrective actions",
            nc_lines,
            "No nonconformities were raised or closed in the period.",
        )
    )
    # c5) monitoring and measurement results
    due = objective_store.assignments_due_between(session, start, end)
    measured = []
    if due:
        read = sum(1 for a in due if a.status == "acknowledged")
        measured.append(
            f"Training and awareness: {read} of {len(due)} acknowledgements due in the period were given ({100 * read / len(due):.0f}%)"
        )
    s.append(
        blocks.PackSection(
            "Monitoring and measurement results",
            measured,
            "No monitoring or measurement results are in the bot for the period.",
        )
    )
    # c6) audit results
    done = audit_store.completed_between(session, lo, hi)
    findings = audit_store.findings_between(session, lo, hi)
    share = audits.done_vs_planned(session, start, end)
    audit_lines = []
    if done or share is not None:
        kinds = Counter(f.kind for f, _ in findings)
        audit_lines = [
            f"*{len(done)}* internal audits completed"
            + (f", {share:.0f}% of those planned in the period" if share is not None else ""),
            f"Findings: {kinds['nonconformity']} nonconformities, {kinds['improvement']} opportunities for improvement, {kinds['positive']} positive",
        ] + [f"{a.number} {safe(a.process, 80)}: {safe(a.summary or '', 200)}" for a in done[:10]]
    s.append(
        blocks.PackSection("Audit results", audit_lines, "No internal audit was planned or completed in the period.")
    )
    # c7) performance of external providers
    suppliers = Counter(nc.supplier or "(unnamed)" for nc in ncs if nc.source == "supplier")
    s.append(
        blocks.PackSection(
            "Performance of external providers",
            [f"{safe(name, 100)}: *{n}* NC{'s' if n != 1 else ''}" for name, n in suppliers.most_common()],
            "No supplier nonconformities were raised in the period.",
        )
    )
    # d) adequacy of resources
    s.append(blocks.PackSection("Adequacy of resources", [], NO_DATA))
    # e) effectiveness of actions taken to address risks and opportunities
    preventive = [a for a in reports.actions_created_between(session, lo, hi) if a.kind == "preventive"]
    risk_lines = (
        [
            f"The bot holds no risk register. Preventive actions from NCs: {sum(1 for a in preventive if a.status == 'done')} done, {sum(1 for a in preventive if a.status == 'open')} open."
        ]
        if preventive
        else []
    )
    s.append(
        blocks.PackSection("Effectiveness of actions taken to address risks and opportunities", risk_lines, NO_DATA)
    )
    # f) opportunities for improvement
    ofis = [f"{a.number}: {safe(f.text, 200)}" for f, a in findings if f.kind == "improvement"]
    ofis += [f"Customer suggestion {e.number} ({safe(e.customer, 60)}): {safe(e.text, 200)}" for e in suggestions]
    s.append(
        blocks.PackSection(
            "Opportunities for improvement", ofis, "No opportunities for improvement were recorded in the period."
        )
    )
    return blocks.Pack(review, start, end, since, s)


def pack_reply(ctx: Context, review_id: int, user: str) -> Reply:
    # Roles first: with leaders or managers given as a user group it may ask Slack, which
    # must not happen inside a transaction.
    privileged = bool(ctx.roles.of(user) & {Role.QMS_MANAGER, Role.LEADER})
    with ctx.db.session() as session:
        review = _get(session, review_id)
        if user not in review.attendees and not privileged:
            raise NotAllowed(
                f"Only the attendees of {review.number}, leaders and QMS managers can read its input pack."
            )
        return blocks.pack(compile_pack(session, ctx.settings, review, ctx.today()))


def find(ctx: Context, number: str) -> int | None:
    with ctx.db.session() as session:
        review = store.by_number(session, number)
        return review.id if review else None


# --- recording the meeting ---------------------------------------------------------------------------


@dataclass
class Minutes:
    held_on: date
    minutes: str
    actions: list[tuple[str, str, date]]


def check_minutes(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Minutes | None]:
    errors: dict[str, str] = {}
    held = parse_day(values.get("held_on"))
    if held is None:
        errors["held_on"] = "Choose the date the review was held."
    elif held > ctx.today():
        errors["held_on"] = "A review is recorded once it has been held; the date cannot be in the future."
    minutes = (values.get("minutes") or "").strip()
    if not minutes:
        errors["minutes"] = "Write the minutes and decisions: the auditor will ask for them."
    elif len(minutes) > MINUTES_MAX:
        errors["minutes"] = f"Keep the minutes under {MINUTES_MAX} characters; link the full minutes from here."
    acts: list[tuple[str, str, date]] = []
    for n in range(1, blocks.OUTPUT_ROWS + 1):
        text = (values.get(f"action_{n}") or "").strip()
        owner, raw_due = values.get(f"owner_{n}"), values.get(f"due_{n}")
        if not text:
            if owner or raw_due:
                errors[f"action_{n}"] = "Describe the action, or clear its owner and due date."
            continue
        if len(text) > ACTION_MAX:
            errors[f"action_{n}"] = f"Keep the action under {ACTION_MAX} characters."
        problem = assignee_error(ctx, owner) if owner else "Choose who owns this action."
        if problem:
            errors[f"owner_{n}"] = problem
        due = parse_day(raw_due)
        if due is None:
            errors[f"due_{n}"] = "Choose the action's due date."
        elif due < ctx.today():
            errors[f"due_{n}"] = f"The due date cannot be in the past; today is {ctx.today():%d %b %Y}."
        if owner and due:
            acts.append((text, owner, due))
    if errors:
        return errors, None
    assert held
    return {}, Minutes(held, minutes, acts)


@dataclass
class Held:
    review: ManagementReview
    actions: list[ReviewAction]
    successor: ManagementReview | None


def record(ctx: Context, review_id: int, user: str, m: Minutes) -> Held:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="record management reviews")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        review = _get(session, review_id)
        if not store.move(
            session,
            review,
            "planned",
            status="held",
            held_on=m.held_on,
            minutes=m.minutes,
            recorded_by=user,
            recorded_at=now,
        ):
            raise Refused(f"Already done: {review.number} is {review.status}. Nothing was changed.")
        outbox_rows.cancel_pending(session, f"mr:{review.id}:")
        acts = store.add_actions(session, review.id or 0, m.actions)
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=review.number,
            action="held",
            before={"status": "planned"},
            after={
                "status": "held",
                "held_on": m.held_on.isoformat(),
                "actions": [
                    {"seq": a.seq, "description": a.description, "owner": a.owner, "due_date": a.due_date.isoformat()}
                    for a in acts
                ],
            },
            note=m.minutes,
        )
        successor = None
        months = blocks.RECURRENCE_MONTHS[review.recurrence]
        if months:
            # Counted from the date planned, so the cycle keeps its rhythm when one meeting slips.
            nxt = max(add_months(review.planned_date, months), m.held_on + timedelta(days=1))
            successor = _plan(session, ctx, user, Schedule(nxt, list(review.attendees), review.recurrence), review, now)
        told = blocks.held_note(review, acts, successor)
        for person in dict.fromkeys([*review.attendees, *manager_recipients(ctx.settings)]):
            enqueue(
                session,
                Nudge(f"mrlog:{review.id}:held:{person}", person, told.text, told.blocks, record_ref=review.number),
                now,
            )
        for a in acts:
            note = blocks.action_assigned(review, a)
            enqueue(
                session, Nudge(f"mra:{a.id}:assigned", a.owner, note.text, note.blocks, record_ref=review.number), now
            )
        return Held(review, acts, successor)


def record_form(ctx: Context, review_id: int, user: str) -> dict[str, Any]:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="record management reviews")
    with ctx.db.session() as session:
        review = _get(session, review_id)
    if review.status != "planned":
        raise Refused(f"{review.number} is already {review.status}.")
    return blocks.record_modal(review, ctx.today())


# --- output actions ------------------------------------------------------------------------------------


def _action(session: Session, action_id: int) -> tuple[ReviewAction, ManagementReview]:
    action = store.action(session, action_id)
    if action is None:
        raise Refused("That action no longer exists.")
    return action, _get(session, action.review_id)


def _may_complete(action: ReviewAction, review: ManagementReview, user: str, manager: bool) -> None:
    if user != action.owner and not manager:
        raise NotAllowed(
            f"Only the owner of {review.number}/A{action.seq} ({mention(action.owner)}) or a QMS manager can mark it done."
        )
    if action.status == "done":
        raise Refused(
            f"Already done by {mention(action.done_by or '')}: {review.number}/A{action.seq}. Nothing was changed."
        )


def done_form(ctx: Context, action_id: int, user: str) -> dict[str, Any]:
    with ctx.db.session() as session:
        action, review = _action(session, action_id)
    _may_complete(action, review, user, ctx.roles.is_manager(user))
    return blocks.done_modal(review, action)


def complete_action(ctx: Context, action_id: int, user: str, evidence: str) -> ReviewAction:
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        action, review = _action(session, action_id)
        _may_complete(action, review, user, manager)
        if not store.complete_action(session, action, by=user, at=now, evidence=evidence):
            session.refresh(action)
            raise Refused(
                f"Already done by {mention(action.done_by or '')}: {review.number}/A{action.seq}. Nothing was changed."
            )
        outbox_rows.cancel_pending(session, f"mra:{action.id}:")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=review.number,
            action="action_done",
            before={"action": f"A{action.seq}", "status": "open"},
            after={"action": f"A{action.seq}", "status": "done", "evidence": evidence},
        )
        return action


# --- reading and nudging --------------------------------------------------------------------------------


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        return blocks.review_list(store.recent(session, 20), len(store.open_actions(session)))


def record_reply(ctx: Context, number: str) -> Reply:
    with ctx.db.session() as session:
        review = store.by_number(session, number)
        if review is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/review list` shows the reviews.")
        return blocks.record(
            review, store.actions_of(session, review.id or 0), store.successor_of(session, review.id or 0), ctx.today()
        )


def review_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """The input pack to each attendee QMS_REVIEW_PACK_DAYS ahead; a reminder to record the
    meeting after it; output actions before, on and after their due dates."""
    local_today = now.astimezone(settings.zone).date()
    nudges: list[Nudge] = []
    for review in store.planned(session, share_lock=True):
        days_left = (review.planned_date - local_today).days
        if 0 <= days_left <= settings.review_pack_days:
            # Compiled once, when first due (not on every tick); the key holds it to one pack per attendee and date.
            prefix = f"mr:{review.id}:pack:{review.planned_date:%Y%m%d}:"
            queued = outbox_rows.keys_with_prefix(session, prefix)
            missing = [p for p in review.attendees if prefix + p not in queued]
            if missing:
                pack = blocks.pack(compile_pack(session, settings, review, local_today))
                nudges += [
                    Nudge(prefix + person, person, pack.text, pack.blocks, record_ref=review.number)
                    for person in missing
                ]
        elif days_left < 0:
            stage = due_stage(review.planned_date, local_today, settings)
            reply = blocks.record_overdue(review)
            for manager in dict.fromkeys([review.scheduled_by, *manager_recipients(settings)]):
                nudges.append(
                    Nudge(
                        f"mr:{review.id}:record:{stage}:{manager}",
                        manager,
                        reply.text,
                        reply.blocks,
                        record_ref=review.number,
                    )
                )
    for action, review in store.open_actions(session, share_lock=True):
        stage = due_stage(action.due_date, local_today, settings)
        if stage:
            reply = blocks.action_reminder(review, action, stage, local_today)
            nudges.append(
                Nudge(
                    f"mra:{action.id}:{action.due_date:%Y%m%d}:{stage}",
                    action.owner,
                    reply.text,
                    reply.blocks,
                    record_ref=review.number,
                    snoozable=True,
                )
            )
    return nudges
