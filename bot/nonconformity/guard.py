"""Who may take a step, what already happened, and the one transaction every step runs in.

Apart from the steps themselves (rules.py) because together they would pass 400 lines;
every step goes through `take_step` here, so the checks are made the same way for all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.delivery import cards, versions
from bot.errors import AlreadyDone, NotAllowed, Refused
from bot.nonconformity import actions as shared
from bot.nonconformity.lifecycle import RULES, Status, Step, StepNotPossible, Who, can, next_status
from bot.nonconformity.nudges import THREAD_POST
from bot.nonconformity.record import RECORD_TYPE, Record, load_record
from bot.submissions import Submission, claim
from bot.surfaces.mrkdwn import mention
from storage import nonconformities as store
from storage.audit import record_change
from storage.models import CorrectiveAction, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger("bot.nonconformity")  # the name refusals were always logged under


# --- who may, and what already happened -----------------------------------------------------


def managers_named(ctx: Context) -> str:
    ids = ctx.settings.manager_ids
    return f" ({', '.join(mention(m) for m in ids[:5])})" if ids else ""


def _check_who(
    ctx: Context,
    nc: Nonconformity,
    step: Step,
    user: str,
    manager: bool,
    action: CorrectiveAction | None,
    actions: list[CorrectiveAction],
) -> None:
    rule = RULES[step]
    doing = rule.doing.format(nc=nc.number)
    managers = f"a QMS manager{managers_named(ctx)}"
    if rule.who is Who.OWNER_OR_MANAGER:
        if user == nc.owner or manager:
            return
        raise NotAllowed(f"Only the NC owner ({mention(nc.owner)}) or {managers} can {doing}.")
    if rule.who is Who.ACTION_OWNER_NC_OWNER_OR_MANAGER:
        if manager or user == nc.owner or (action is not None and user == action.owner):
            return
        owner = f"the action owner ({mention(action.owner)}), " if action else ""
        raise NotAllowed(f"Only {owner}the NC owner ({mention(nc.owner)}) or {managers} can {doing}.")
    if not manager:
        raise NotAllowed(f"Only {managers} can {doing}.")
    if rule.who is Who.INDEPENDENT_MANAGER and user in {a.done_by for a in actions} | {a.owner for a in actions}:
        raise NotAllowed(
            f"You owned or completed actions on {nc.number}, so another QMS manager must verify their effectiveness: "
            "verification has to be independent of the work."
        )


def already_done(session: Session, nc: Nonconformity, what: str | None = None) -> AlreadyDone:
    """Who was first, from the NC's trail, told the way every record tells it (bot.delivery.versions)."""
    done = what or f"{nc.number} is already *{Status(nc.status).label.lower()}*"
    return versions.already_done(session, RECORD_TYPE, nc.number, done)


def action_already_done(nc: Nonconformity, action: CorrectiveAction) -> AlreadyDone:
    return shared.already_done(shared.of_nc(nc), action)


def log_refusal(ctx: Context, nc_number: str, user: str, step: str, message: str) -> None:
    """Refused attempts go on the record's trail too: an auditor may ask who tried what.
    They change nothing, so they are written after the person is answered (bot.delivery.trail)."""
    log.info("refused %s on %s for %s", step, nc_number, user)
    ctx.later_trail.refusal(
        at=ctx.clock.now(), actor=user, record_type=RECORD_TYPE, record_ref=nc_number, step=step, note=message
    )


@dataclass
class Guarded:
    nc: Nonconformity
    actions: list[CorrectiveAction]
    action: CorrectiveAction | None


def _guard(
    session: Session,
    ctx: Context,
    nc_id: int,
    step: Step,
    user: str,
    manager: bool,
    action_id: int | None = None,
    seen_version: int | None = None,
) -> Guarded:
    nc = store.get(session, nc_id)
    if nc is None:
        raise Refused("That NC no longer exists.")
    # A press that is refused (the commonest: not theirs) reads the NC alone; the actions
    # come first only when the check itself needs them.
    early = action_id is not None or RULES[step].who is Who.INDEPENDENT_MANAGER
    actions = store.actions_of(session, nc_id) if early else []
    action = None
    if action_id is not None:
        action = next((a for a in actions if a.id == action_id), None)
        if action is None:
            raise Refused(f"That action is not on {nc.number}.")
        if action.status == "done":
            raise action_already_done(nc, action)
    if not can(nc.status, step):
        status = Status(nc.status)
        if status.finished and status not in RULES[step].moves.values():
            raise Refused(f"{nc.number} is {status.label.lower()}; nothing more can be done on it.")
        raise already_done(session, nc)
    _check_who(ctx, nc, step, user, manager, action, actions)
    if not early:
        actions = store.actions_of(session, nc_id)
    if seen_version is not None and seen_version != nc.version:
        # The decision was taken on what the form showed; the NC has moved on since.
        raise Refused(
            f"{nc.number} changed after this form was opened (last by {versions.last_actor(session, RECORD_TYPE, nc.number)}); close it and open it again from the card."
        )
    return Guarded(nc, actions, action)


def check_step(ctx: Context, nc_id: int, step: Step, user: str, action_id: int | None = None) -> Record:
    """On the button click, before the modal opens: may `user` take `step` now?"""
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    with ctx.db.read() as session:  # it only looks: no write lock for a press that may be refused
        try:
            guarded = _guard(session, ctx, nc_id, step, user, manager, action_id)
        except NotAllowed as refused:
            log_refusal(ctx, _number(session, nc_id), user, step.value, str(refused))
            raise
        return load_record(session, guarded.nc)


def number_of(ctx: Context, nc_id: int) -> str:
    with ctx.db.session() as session:
        return _number(session, nc_id)


def _number(session: Session, nc_id: int) -> str:
    nc = store.get(session, nc_id)
    return nc.number if nc else f"nc-{nc_id}"


# --- the transaction every step runs in ------------------------------------------------------


def move(session: Session, nc: Nonconformity, step: Step, now: datetime, **values: Any) -> tuple[str, str]:
    before = nc.status
    try:
        after = next_status(before, step)
    except StepNotPossible:
        raise already_done(session, nc) from None
    if not store.move(session, nc, before, status=after.value, updated_at=now, **values):
        session.refresh(nc)
        raise already_done(session, nc)
    return before, after.value


Work = Callable[[Session, Guarded, datetime], None]


def take_step(
    ctx: Context,
    nc_id: int,
    step: Step,
    user: str,
    work: Work,
    action_id: int | None = None,
    seen_version: int | None = None,
    submission: Submission | None = None,
) -> Nonconformity:
    """Guard, then do `work(session, guarded, now)` in one transaction.

    The card is re-rendered by the caller (`refresh_cards`) after it has answered Slack:
    a modal submission must be acknowledged within 3 seconds. A step's form sent twice takes
    the step once: its submission is claimed before the guard (which would call it done).
    """
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    try:
        with ctx.db.session() as session:
            claim(session, submission, RECORD_TYPE, now, _number(session, nc_id))
            guarded = _guard(session, ctx, nc_id, step, user, manager, action_id, seen_version)
            work(session, guarded, now)
            nc = guarded.nc
    except NotAllowed as refused:
        log_refusal(ctx, number_of(ctx, nc_id), user, step.value, str(refused))
        raise
    return nc


def write_trail(
    session: Session,
    nc: Nonconformity,
    user: str,
    now: datetime,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    note: str | None = None,
) -> int | None:
    """Put the step on the NC's audit trail; the event's id names its post in the card's thread."""
    return record_change(
        session,
        at=now,
        actor=user,
        record_type=RECORD_TYPE,
        record_ref=nc.number,
        action=action,
        before=before,
        after=after,
        note=note,
    ).id


def post_in_thread(session: Session, nc: Nonconformity, event_id: int | None, text: str, now: datetime) -> None:
    cards.tell_thread(session, THREAD_POST.key(nc=nc.id, event=event_id), nc, nc.number, text, now)
