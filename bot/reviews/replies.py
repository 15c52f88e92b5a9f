"""What the bot shows about management reviews: the list, one review, its input pack, the forms to fill."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.delivery import versions
from bot.errors import NotAllowed, Refused
from bot.reviews import blocks
from bot.reviews.pack import compile_pack
from bot.reviews.rules import RECORD_TYPE, action_of, may_complete, require_seen_action, review_of
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from bot.surfaces.words import plural
from bot.workspace.roles import Role
from storage import evidence as evidence_store
from storage import reviews as store
from storage.models import ManagementReview

if TYPE_CHECKING:
    from bot.context import Context


def pack_reply(ctx: Context, review_id: int, user: str) -> Reply:
    # Roles first: with leaders or managers given as a user group it may ask Slack, which
    # must not happen inside a transaction.
    roles = ctx.roles.of(user)
    privileged = bool(roles & {Role.QMS_MANAGER, Role.LEADER})
    with ctx.db.session() as session:
        review = review_of(session, review_id)
        if user not in review.attendees and not privileged:
            raise NotAllowed(
                f"Only the attendees of {review.number}, leaders and QMS managers can read its input pack."
            )
        pack = compile_pack(session, ctx.settings, review, ctx.today())
        return blocks.pack(pack, manager=Role.QMS_MANAGER in roles)


def find(ctx: Context, number: str) -> int | None:
    with ctx.db.session() as session:
        review = store.by_number(session, number)
        return review.id if review else None


def _review(session: Session, number: str) -> ManagementReview:
    review = store.by_number(session, number)
    if review is None:
        raise Refused(f"There is no {safe(number, 20)}. `/review list` shows the reviews.")
    return review


def scheduled_confirmation(ctx: Context, number: str) -> str:
    """What the QMS manager who scheduled a review is told (again, should they send the form twice)."""
    with ctx.db.session() as session:
        review = _review(session, number)
    return (
        f"Scheduled {review.number} on {review.planned_date:%d %b %Y} with {plural(len(review.attendees), 'attendee')}; "
        f"they and you get the input pack {plural(ctx.settings.review_pack_days, 'day')} ahead, with the button to record the meeting for you."
    )


def held_confirmation(ctx: Context, number: str) -> str:
    """What the QMS manager who recorded a review is told: its output actions and the next one."""
    with ctx.db.session() as session:
        review = _review(session, number)
        actions = store.actions_of(session, review.id or 0)
        successor = store.successor_of(session, review.id or 0)
    nxt = f" The next one, {successor.number}, is planned for {successor.planned_date:%d %b %Y}." if successor else ""
    return f"{review.number} is recorded with {plural(len(actions), 'output action')}.{nxt}"


def record_form(ctx: Context, review_id: int, user: str, seen: int | None = None) -> dict[str, Any]:
    """The form to record a review, for its version the button was drawn for (`seen`; None from
    `/review record`); the form carries the version it shows, and recording checks it."""
    ctx.roles.require(user, Role.QMS_MANAGER, doing="record management reviews")
    with ctx.db.session() as session:
        review = review_of(session, review_id)
        if review.status != "planned":
            raise versions.already_done(session, RECORD_TYPE, review.number, zone=ctx.settings.zone)
        versions.require_seen(session, review, seen, RECORD_TYPE, review.number, zone=ctx.settings.zone)
    return blocks.record_modal(review, ctx.today())


def done_form(ctx: Context, action_id: int, user: str, seen: int | None = None) -> dict[str, Any]:
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        action, review = action_of(session, action_id)
        may_complete(action, review, user, manager)
        require_seen_action(session, ctx, action, review, seen)
    return blocks.done_modal(review, action)


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        return blocks.review_list(store.recent(session, 20), len(store.open_actions(session)))


def record_reply(ctx: Context, number: str, user: str | None = None) -> Reply:
    """One review; the button to record it only when `user` is a QMS manager."""
    manager = user is not None and ctx.roles.is_manager(user)  # before the session: it may ask Slack
    with ctx.db.session() as session:
        review = store.by_number(session, number)
        if review is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/review list` shows the reviews.")
        return blocks.record(
            review,
            store.actions_of(session, review.id or 0),
            store.successor_of(session, review.id or 0),
            ctx.today(),
            manager=manager,
            files=evidence_store.files_of(session, RECORD_TYPE, review.number),
        )
