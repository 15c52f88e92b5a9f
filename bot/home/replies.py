"""The Home tab read and published: what is open for a person, and the registers for QMS managers."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import audits, competence, outputs, risks, suppliers
from bot.home.blocks import AUTHORISE_SHOWN, LIST_SHOWN, MyWork, Registers, home_tab, registers_blocks
from bot.objectives import standings
from storage import audits as audit_store
from storage import documents as document_store
from storage import equipment as equipment_store
from storage import feedback as feedback_store
from storage import nonconformities as nc_store
from storage import outputs as output_store
from storage import reports
from storage import reviews as review_store
from storage import trainings as training_store

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)


def view(ctx: Context, user: str) -> dict[str, Any]:
    today = ctx.today()
    manager = ctx.roles.is_manager(user)
    approver = ctx.roles.is_approver(user)  # may ask Slack (a user group): before the session
    gaps = competence.gaps_line(ctx) if manager else None  # who holds each role: Slack, kept warm
    with ctx.db.session() as session:
        mine = _work_of(
            session, user, today, ctx.settings.doc_review_notice_days, manager, ctx.settings.calibration_notice_days
        )
        mine.suppliers = suppliers.evaluations_due_for(session, user, today, ctx.settings.supplier_notice_days)
        if manager:
            mine.to_verify = [(nc, nc_store.actions_of(session, nc.id)) for nc in _to_verify(session) if nc.id]
        if approver:
            mine.approver = True
            mine.to_authorise, mine.to_authorise_count = output_store.awaiting_authorisation(
                session, user, AUTHORISE_SHOWN
            )
        mine.on_hold = _on_hold(session, mine)
        overview = _overview(session, today, ctx.settings, gaps) if manager else None
    return home_tab(mine, today, overview, ctx.clock.now(), ctx.settings.zone)


def _to_verify(session: Session) -> list[Any]:
    """NCs waiting for a QMS manager: actions done (verify), or verified (close); the first few."""
    return nc_store.in_status(session, ("actions_done", "effectiveness_verified"), limit=LIST_SHOWN)


def _on_hold(session: Session, mine: MyWork) -> dict[int, tuple[outputs.Holding, str]]:
    """Output still on hold on the NCs the person owns or is to close: one query for all of them."""
    ids = [nc.id for nc in mine.ncs if nc.owner == mine.user and nc.id]
    ids += [nc.id for nc, _ in mine.to_verify if nc.id]
    held = {}
    for nc_id, (output, decisions) in output_store.outputs_of(session, ids).items():
        h = outputs.holding(output.quantity, decisions)
        if h.on_hold > 0:
            held[nc_id] = (h, output.unit)
    return held


def _work_of(
    session: Session, user: str, today: date, notice_days: int, manager: bool = False, calibration_notice: int = 7
) -> MyWork:
    return MyWork(
        user=user,
        manager=manager,
        ncs=nc_store.involving(session, user),
        actions=reports.actions_of_person(session, user),
        to_read=[
            (a, t) for a, t in training_store.of_person(session, user) if a.status == "pending" and t.status == "open"
        ],
        complaints=feedback_store.complaints_awaiting(session, user),
        audits=audit_store.of_auditor(session, user),
        # A QMS manager records every review, attending or not.
        reviews=[r for r in review_store.planned(session) if manager or user in r.attendees],
        review_actions=review_store.open_actions(session, owner=user),
        documents=[d for d in document_store.owned_by(session, user) if (d.next_review - today).days <= notice_days],
        equipment=equipment_store.owned_due(session, user, today + timedelta(days=calibration_notice)),
        more=risks.home_items(session, user, today),
    )


def _overview(session: Session, today: date, settings: Any, gaps: str | None = None) -> list[dict[str, Any]]:
    rounds = training_store.open_rounds(session)
    registers = Registers(
        by_status=reports.open_by(session, "status"),
        overdue_ncs=nc_store.count_active(session, overdue_on=today),
        overdue_actions=reports.overdue_actions(session, today, limit=LIST_SHOWN),
        overdue_action_count=reports.count_overdue_actions(session, today),
        rounds=rounds,
        counts=training_store.counts(session, [r.id for r in rounds if r.id]),
        complaints_open=feedback_store.count_open_complaints(session),
        programme=audits.programme_of(session, settings, today),
        docs_overdue=sum(1 for d in document_store.all_by_due(session) if d.next_review < today),
        planned_reviews=review_store.planned(session),
        objectives=standings(session, today, settings.zone),
        equipment_counts=equipment_store.count_by_state(session, today),
        equipment_attention=equipment_store.needing_attention(session, today, limit=5),
        competence=gaps,
    )
    return (
        registers_blocks(registers, today)
        + risks.home_blocks(session, today, settings)
        + suppliers.home_blocks(session, today, settings.supplier_notice_days)
    )


def publish(ctx: Context, user: str) -> None:
    """Refresh a person's Home tab (after they opened it or acted); a failure only leaves it stale."""
    try:
        ctx.client.views_publish(user_id=user, view=view(ctx, user))
    except SlackApiError as exc:
        log.warning("could not refresh the Home tab of %s: %s", user, exc.response.get("error"))
    except Exception:  # a stale Home tab must never cut short the work that called for it
        log.exception("could not draw the Home tab of %s", user)
