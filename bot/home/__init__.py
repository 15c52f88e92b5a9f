"""The App Home tab: a person's own quality work, and the registers at a glance for QMS managers."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot import audits
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity.lifecycle import Status
from bot.objectives import lines as objective_lines
from bot.objectives import standings
from bot.registry import Action
from bot.surfaces.blocks import actions, button, capped_lines, context, divider, header, home, section
from bot.surfaces.mrkdwn import mention, safe
from storage import audits as audit_store
from storage import documents as document_store
from storage import feedback as feedback_store
from storage import nonconformities as nc_store
from storage import reports
from storage import reviews as review_store
from storage import trainings as training_store

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

LIST_SHOWN = 10
ACKS_SHOWN = 5


def view(ctx: Context, user: str) -> dict[str, Any]:
    today = ctx.clock.now().astimezone(ctx.settings.zone).date()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        ncs = nc_store.involving(session, user)
        my_actions = reports.actions_of_person(session, user)
        to_read = [
            (a, t) for a, t in training_store.of_person(session, user) if a.status == "pending" and t.status == "open"
        ]
        complaints = [
            c for c in feedback_store.open_complaints(session) if c.owner == user and c.response == "received"
        ]
        my_audits = audit_store.of_auditor(session, user)
        my_reviews = [r for r in review_store.planned(session) if user in r.attendees]
        my_review_actions = review_store.open_actions(session, owner=user)
        my_documents = [
            d
            for d in document_store.owned_by(session, user)
            if (d.next_review - today).days <= ctx.settings.doc_review_notice_days
        ]
        overview = _overview(session, today, ctx.settings) if manager else None
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
    # Overdue first, then by due date: what needs doing today is at the top.
    work = [
        (
            nc.due_date,
            f"{nc_blocks.ref(nc)} · {safe(nc.title, 120)} · {Status(nc.status).label} · due {nc_blocks.due_text(nc.due_date, today)}",
        )
        for nc in ncs
        if nc.owner == user
    ]
    work += [
        (
            a.due_date,
            f"{nc_blocks.ref(nc)} *A{a.seq}* · {safe(a.description, 120)} · due {nc_blocks.due_text(a.due_date, today)}",
        )
        for a, nc in my_actions
    ]
    work += [
        (c.respond_by or today, f"Complaint {c.number} · answer {safe(c.customer, 80)} by {c.respond_by:%d %b}")
        for c in complaints
    ]
    work += [
        (
            a.due_date,
            f"*{r.number}* A{a.seq} · {safe(a.description, 120)} · due {nc_blocks.due_text(a.due_date, today)}",
        )
        for a, r in my_review_actions
    ]
    lines = [line for _, line in sorted(work, key=lambda item: item[0])]
    blocks.append(
        section(
            f"*Your open NCs, actions and complaints* ({len(lines)})\n"
            + (capped_lines(lines, 2900, max_lines=LIST_SHOWN) if lines else "Nothing open. :white_check_mark:")
        )
    )
    blocks.append(section(f"*To read and acknowledge* ({len(to_read)})" + ("" if to_read else "\nNothing to read.")))
    for assignment, training in to_read[:ACKS_SHOWN]:
        blocks.append(
            section(
                f"*{safe(training.doc_ref, 40)} rev {safe(training.revision, 20)}* · {safe(training.title, 150)} · read by {training.due_date:%d %b}",
                accessory=button("I've read and understood", Action.TRAINING_ACK, str(assignment.id), style="primary"),
            )
        )
    if len(to_read) > ACKS_SHOWN:
        blocks.append(context(f"… and {len(to_read) - ACKS_SHOWN} more: `/training me` lists them all"))
    planned = [
        (
            a.planned_date,
            f"*{a.number}* · you audit {safe(a.process, 80)} · {nc_blocks.due_text(a.planned_date, today)}",
        )
        for a in my_audits
    ]
    planned += [(r.planned_date, f"*{r.number}* · management review · {r.planned_date:%a %d %b}") for r in my_reviews]
    planned += [
        (
            d.next_review,
            f"*{safe(d.reference, 40)}* rev {safe(d.revision, 20)} · review {nc_blocks.due_text(d.next_review, today)}",
        )
        for d in my_documents
    ]
    agenda = [line for _, line in sorted(planned, key=lambda item: item[0])]
    blocks.append(
        section(
            f"*Your audits, reviews and document reviews* ({len(agenda)})\n"
            + (capped_lines(agenda, 2900, max_lines=LIST_SHOWN) if agenda else "None coming up for you.")
        )
    )
    if overview:
        blocks += [divider(), header("Registers (QMS manager)"), *overview]
    blocks.append(
        context(
            f"Updated {ctx.clock.now().astimezone(ctx.settings.zone):%d %b %H:%M}. `/qms help` lists every command."
        )
    )
    return home(blocks)


def _overview(session: Any, today: date, settings: Any) -> list[dict[str, Any]]:
    zone = settings.zone
    by_status = reports.open_by(session, "status")
    states = (
        " · ".join(
            f"{Status(s).label}: *{n}*"
            for s, n in sorted(by_status.items(), key=lambda kv: list(Status).index(Status(kv[0])))
        )
        or "none open"
    )
    overdue_ncs = nc_store.count_active(session, overdue_on=today)
    overdue_actions = reports.overdue_actions(session, today)
    rounds = training_store.open_rounds(session)
    counts = training_store.counts(session, [r.id for r in rounds if r.id])
    complaints = feedback_store.open_complaints(session)
    programme = audits.programme_of(session, settings, today)
    done = sum(1 for a in programme.audits if a.status == "completed")
    late = sum(1 for a in programme.audits if a.status == "planned" and a.planned_date < today)
    docs_overdue = sum(1 for d in document_store.all_by_due(session) if d.next_review < today)
    planned_reviews = review_store.planned(session)
    next_review = next((r for r in planned_reviews if r.planned_date >= today), None)
    unrecorded = [r for r in planned_reviews if r.planned_date < today]
    lines = [
        f"*Nonconformities open*: {states}",
        f"*Overdue*: {overdue_ncs} NCs, {len(overdue_actions)} actions",
        f"*Complaints open*: {len(complaints)}",
        f"*Audit programme*: {done} of {len(programme.audits)} done this cycle, {late} overdue, {len(programme.gaps)} processes not yet planned",
        f"*Document reviews overdue*: {docs_overdue}",
        f"*Next management review*: {next_review.number} on {next_review.planned_date:%d %b %Y}"
        if next_review
        else "*Next management review*: none planned (`/review schedule`)",
    ]
    if unrecorded:
        lines.append(
            "*Held but not recorded*: "
            + ", ".join(f"{r.number} ({r.planned_date:%d %b})" for r in unrecorded[:5])
            + " — `/review record`"
        )
    training = [
        f"{t.number} · {safe(t.doc_ref, 40)} rev {safe(t.revision, 20)} · {c['acknowledged']}/{c['acknowledged'] + c['pending']}"
        for t in rounds
        for c in [counts.get(t.id or 0, {"pending": 0, "acknowledged": 0})]
    ]
    blocks = [section("\n".join(lines))]
    if overdue_actions:
        blocks.append(
            section(
                "*Overdue actions*\n"
                + capped_lines(
                    [
                        f"{nc_blocks.ref(nc)} A{a.seq} · {mention(a.owner)} · due {a.due_date:%d %b}"
                        for a, nc in overdue_actions
                    ],
                    2900,
                    max_lines=LIST_SHOWN,
                )
            )
        )
    if training:
        blocks.append(section("*Open training rounds*\n" + capped_lines(training, 2900, max_lines=LIST_SHOWN)))
    found = standings(session, today, zone)
    blocks.append(
        section("*Quality objectives*\n" + capped_lines(objective_lines(found), 2900, max_lines=LIST_SHOWN))
        if found
        else context("Quality objectives appear here once defined with `/kpi new`.")
    )
    return blocks


def publish(ctx: Context, user: str) -> None:
    """Refresh a person's Home tab (after they opened it or acted); a failure only leaves it stale."""
    try:
        ctx.client.views_publish(user_id=user, view=view(ctx, user))
    except SlackApiError as exc:
        log.warning("could not refresh the Home tab of %s: %s", user, exc.response.get("error"))
    except Exception:  # a stale Home tab must never cut short the work that called for it
        log.exception("could not draw the Home tab of %s", user)
