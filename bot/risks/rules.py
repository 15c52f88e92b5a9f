"""The register's steps after raising, each in one transaction with its trail and its thread
post: treat a risk, review it, add treatment actions and mark them done.

Who may: the risk's owner or a QMS manager treats, reviews and adds actions; an action's
owner (or they) marks it done. Checked here, on the server, for every step. Actions are the
NC package's machinery (`nc.store_held_action`, `nc.complete_held_action`): one implementation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import nonconformity as nc
from bot.delivery import versions
from bot.errors import NotAllowed, Refused
from bot.risks import blocks
from bot.risks.forms import TREATMENT_LABELS, Rescoring, Treatment
from bot.risks.nudges import ESCALATION_ALL, REVIEW_ALL
from bot.risks.record import RECORD_TYPE, add_score, load_record, post, trail
from bot.submissions import Submission, claim
from bot.surfaces.mrkdwn import mention, safe
from storage import outbox as outbox_rows
from storage import risks as store
from storage.models import CorrectiveAction
from storage.models_risks import Risk

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)
# Completes "Only … can <doing> RK-…" for each step.
DOING = {
    "treat": "treat",
    "review": "review",
    "add_action": "add actions to",
    "action_done": "mark actions of",
    "close": "close",
}


# --- who may, in one transaction -------------------------------------------------------------


def _refuse(ctx: Context, risk: Risk, user: str, step: str, message: str) -> NotAllowed:
    log.info("refused %s on %s for %s", step, risk.number, user)
    ctx.later_trail.refusal(
        at=ctx.clock.now(), actor=user, record_type=RECORD_TYPE, record_ref=risk.number, step=step, note=message
    )
    return NotAllowed(message)


def _check_who(
    ctx: Context, risk: Risk, user: str, step: str, manager: bool, action: CorrectiveAction | None = None
) -> None:
    if manager or user == risk.owner or (action is not None and user == action.owner):
        return
    doing = DOING[step]
    by = f"the action owner ({mention(action.owner)}), " if action is not None else ""
    suffix = " done" if step == "action_done" else ""
    raise _refuse(
        ctx,
        risk,
        user,
        step,
        f"Only {by}the risk's owner ({mention(risk.owner)}) or a QMS manager can {doing} {risk.number}{suffix}.",
    )


def check(ctx: Context, risk_id: int, user: str, step: str, action_id: int | None = None) -> blocks.Record:
    """On the button press, before the form opens: may `user` take `step` on this risk now?"""
    manager = ctx.roles.is_manager(user)
    with ctx.db.read() as session:
        risk = store.get(session, risk_id)
        if risk is None:
            raise Refused("That risk is no longer in the register.")
        if risk.status == "closed":
            raise Refused(f"{risk.number} is closed; nothing more can be done on it.")
        record = load_record(session, risk)
        action = _action(record, action_id)
        if step in ("add_action", "action_done") and risk.status == "open":
            raise Refused(f"Choose the treatment of {risk.number} first (Treat on its card); then add its actions.")
        _check_who(ctx, risk, user, step, manager, action)
        return record


def _action(record: blocks.Record, action_id: int | None) -> CorrectiveAction | None:
    if action_id is None:
        return None
    action = next((a for a in record.actions if a.id == action_id), None)
    if action is None:
        raise Refused(f"That action is not on {record.risk.number}.")
    if action.status == "done":
        raise nc.AlreadyDone(
            f"Already done by {mention(action.done_by or '')}: {record.risk.number}/A{action.seq} is marked done. Nothing was changed."
        )
    return action


Work = Callable[[Session, blocks.Record, datetime], None]


def _step(
    ctx: Context,
    risk_id: int,
    user: str,
    step: str,
    work: Work,
    *,
    seen: int | None = None,
    action_id: int | None = None,
    submission: Submission | None = None,
) -> Risk:
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        risk = store.get(session, risk_id)
        if risk is None:
            raise Refused("That risk is no longer in the register.")
        claim(session, submission, RECORD_TYPE, now, risk.number)
        record = load_record(session, risk)
        if risk.status == "closed":
            raise Refused(f"{risk.number} is closed; nothing more can be done on it.")
        _check_who(ctx, risk, user, step, manager, _action(record, action_id))
        if seen is not None and seen != risk.version:
            raise versions.already_done(session, RECORD_TYPE, risk.number, zone=ctx.settings.zone)
        work(session, record, now)
        return risk


def _changed(session: Session, risk: Risk, seen: int | None, **values: Any) -> None:
    if not store.change(session, risk, seen, **values):
        raise versions.already_done(session, RECORD_TYPE, risk.number)


def _new_review_date(session: Session, risk: Risk) -> None:
    outbox_rows.cancel_pending(session, REVIEW_ALL.prefix(risk=risk.id))
    outbox_rows.cancel_pending(session, ESCALATION_ALL.prefix(risk=risk.id))


# --- treating and reviewing ------------------------------------------------------------------


def treat(
    ctx: Context, risk_id: int, user: str, t: Treatment, seen: int | None = None, submission: Submission | None = None
) -> Risk:
    def work(session: Session, record: blocks.Record, now: datetime) -> None:
        risk = record.risk
        before = {
            "treatment": risk.treatment,
            "residual_score": risk.residual_score,
            "review_date": risk.review_date.isoformat(),
        }
        residual = t.residual_likelihood * t.residual_impact
        _changed(
            session,
            risk,
            seen,
            status="treated",
            treatment=t.treatment,
            treatment_note=t.note,
            residual_likelihood=t.residual_likelihood,
            residual_impact=t.residual_impact,
            residual_score=residual,
            review_date=t.review_date,
            treated_at=now,
            treated_by=user,
            updated_at=now,
        )
        add_score(session, risk, "residual", t.residual_likelihood, t.residual_impact, user, now, t.note)
        _new_review_date(session, risk)
        after = {
            "treatment": t.treatment,
            "residual_likelihood": t.residual_likelihood,
            "residual_impact": t.residual_impact,
            "residual_score": residual,
            "review_date": t.review_date.isoformat(),
        }
        event = trail(session, risk, user, now, "treated", before=before, after=after, note=t.note)
        text = (
            f":shield: {mention(user)} chose to *{TREATMENT_LABELS[t.treatment].lower()}* it; residual score "
            f"{blocks.scored(t.residual_likelihood, t.residual_impact, ctx.settings)}, review by {t.review_date:%d %b %Y}.\n{safe(t.note, 2500)}"
        )
        post(session, risk, event, text, now)

    return _step(ctx, risk_id, user, "treat", work, seen=seen, submission=submission)


def review(
    ctx: Context, risk_id: int, user: str, r: Rescoring, seen: int | None = None, submission: Submission | None = None
) -> Risk:
    def work(session: Session, record: blocks.Record, now: datetime) -> None:
        risk = record.risk
        record_score = risk.score
        before = {
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "score": risk.score,
            "review_date": risk.review_date.isoformat(),
        }
        score = r.likelihood * r.impact
        _changed(
            session,
            risk,
            seen,
            likelihood=r.likelihood,
            impact=r.impact,
            score=score,
            review_date=r.review_date,
            reviewed_at=now,
            reviewed_by=user,
            updated_at=now,
        )
        add_score(session, risk, "review", r.likelihood, r.impact, user, now, r.note)
        _new_review_date(session, risk)
        after = {
            "likelihood": r.likelihood,
            "impact": r.impact,
            "score": score,
            "review_date": r.review_date.isoformat(),
        }
        event = trail(session, risk, user, now, "reviewed", before=before, after=after, note=r.note)
        moved = "rose" if score > record_score else "fell" if score < record_score else "stayed"
        text = (
            f":mag: {mention(user)} reviewed it: score {moved} to {blocks.scored(r.likelihood, r.impact, ctx.settings)}; "
            f"next review {r.review_date:%d %b %Y}." + (f"\n{safe(r.note, 2500)}" if r.note else "")
        )
        post(session, risk, event, text, now)

    return _step(ctx, risk_id, user, "review", work, seen=seen, submission=submission)


def realised_since_review(ctx: Context, risk: Risk) -> int:
    """How many NCs realised the risk since it was last reviewed (or raised)."""
    with ctx.db.read() as session:
        return len(store.realised_by(session, risk.id or 0, risk.reviewed_at or risk.raised_at))


# --- treatment actions: the NC package's action machinery ------------------------------------


def add_action(
    ctx: Context,
    risk_id: int,
    user: str,
    description: str,
    owner: str | None,
    due: date | None,
    submission: Submission | None = None,
) -> Risk:
    def work(session: Session, record: blocks.Record, now: datetime) -> None:
        risk = record.risk
        if risk.status == "open":
            raise Refused(f"Choose the treatment of {risk.number} first; then add its actions.")
        _changed(session, risk, None, updated_at=now)  # locks the risk: actions number A1, A2… in turn
        values = {
            "submission": submission.view_id if submission else f"{user}@{now.isoformat()}",
            "kind": "preventive",
            "description": description,
            "owner": owner or risk.owner,
            "due_date": due or max(risk.review_date, ctx.today()),
        }
        action = nc.store_held_action(session, {"risk_id": risk_id}, values, user, now)
        after = {
            "action": f"A{action.seq}",
            "description": description,
            "owner": action.owner,
            "due_date": action.due_date.isoformat(),
        }
        event = trail(session, risk, user, now, "action_added", after=after)
        post(
            session,
            risk,
            event,
            f":hammer_and_wrench: {mention(user)} added A{action.seq} for {mention(action.owner)}, due {action.due_date:%d %b %Y}: {safe(description, 2000)}",
            now,
        )
        nc.tell_action_owner(session, blocks.holder(risk), action, user, now)

    return _step(ctx, risk_id, user, "add_action", work, submission=submission)


def complete_action(
    ctx: Context, risk_id: int, action_id: int, user: str, evidence: str, submission: Submission | None = None
) -> Risk:
    def work(session: Session, record: blocks.Record, now: datetime) -> None:
        risk = record.risk
        action = _action(record, action_id)
        assert action is not None
        _changed(session, risk, None, updated_at=now)
        nc.complete_held_action(session, blocks.holder(risk), action, user, now, evidence)
        after = {"action": f"A{action.seq}", "status": "done", "evidence": evidence}
        event = trail(
            session, risk, user, now, "action_done", before={"action": f"A{action.seq}", "status": "open"}, after=after
        )
        post(
            session,
            risk,
            event,
            f":white_check_mark: {mention(user)} marked A{action.seq} done. Evidence:\n{safe(evidence, 2600)}",
            now,
        )

    return _step(ctx, risk_id, user, "action_done", work, action_id=action_id, submission=submission)


def note_realised(ctx: Context, risk_id: int, nc_number: str, user: str) -> None:
    """An NC was raised as realising this risk: on the risk's trail and in its card's thread."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        risk = store.get(session, risk_id)
        if risk is None:
            return
        event = trail(session, risk, user, now, "realised", after={"nc": nc_number})
        text = f":boom: {mention(user)} raised {nc_number}, which realised this risk: its next review reconsiders the likelihood."
        post(session, risk, event, text, now)


def close(ctx: Context, number: str, user: str, reason: str) -> Risk:
    """Retire a risk from the register (it no longer applies, or an opportunity was taken): its
    reminders and its open actions' reminders stop; the record and its history stay."""
    with ctx.db.read() as session:
        risk = store.by_number(session, number)
    if risk is None:
        raise Refused(f"There is no {safe(number.upper(), 40)}. `/risk list` shows the register.")
    assert risk.id is not None

    def work(session: Session, record: blocks.Record, now: datetime) -> None:
        found = record.risk
        before = {"status": found.status}
        _changed(session, found, None, status="closed", updated_at=now)
        _new_review_date(session, found)
        for action in record.actions:
            outbox_rows.cancel_pending(session, nc.ACTION_ALL.prefix(action=action.id))
        event = trail(session, found, user, now, "closed", before=before, after={"status": "closed"}, note=reason)
        post(session, found, event, f":lock: {mention(user)} closed {found.number}.\n{safe(reason, 2500)}", now)

    return _step(ctx, risk.id, user, "close", work)
