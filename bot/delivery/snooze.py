"""Snoozing a nudge: the recipient puts it off, with a reason that goes on record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.registry import Callback
from bot.submissions import Submission, claim
from bot.surfaces.blocks import context, input_block, modal, section, static_select, text_input
from bot.surfaces.mrkdwn import escape, truncate
from storage import outbox as rows
from storage.audit import record_change
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.context import Context

CHOICES: dict[str, tuple[str, timedelta]] = {
    "1d": ("Until tomorrow", timedelta(days=1)),
    "3d": ("For 3 days", timedelta(days=3)),
    "1w": ("For a week", timedelta(days=7)),
}
MAX_SNOOZES = 3  # the default of QMS_SNOOZE_LIMIT
SUFFIX = ":snoozed"
# A snoozed nudge is queued again under its own key plus the suffix, once per snooze: the
# outbox's unique key then refuses a second snooze of the same delivery.
SNOOZED = Key("{nudge}" + SUFFIX)
REASON_MAX = 500


@dataclass(frozen=True)
class Snoozed:
    until: datetime
    key: str
    reason: str
    channel: str | None
    ts: str | None
    text: str
    blocks: list[dict[str, Any]] | None


def snooze_modal(message_id: int, record_ref: str | None) -> dict[str, Any]:
    about = f"the reminder about *{escape(record_ref)}*" if record_ref else "this reminder"
    blocks = [
        section(f"Put off {about}. The reason goes on the record's audit trail."),
        input_block(
            "until",
            "Remind me again",
            static_select("choice", [(label, key) for key, (label, _) in CHOICES.items()], initial="1d"),
        ),
        input_block(
            "reason",
            "Reason",
            text_input(
                "text", multiline=True, max_length=REASON_MAX, placeholder="e.g. waiting for the supplier's 8D report"
            ),
        ),
    ]
    return modal(Callback.SNOOZE, "Snooze reminder", blocks, submit="Snooze", private_metadata=str(message_id))


def validate(choice: str | None, reason: str | None) -> dict[str, str]:
    """Errors keyed by block_id, as Slack's response_action: errors wants them."""
    errors = {}
    if choice not in CHOICES:
        errors["until"] = "Choose when to be reminded again."
    if not reason or not reason.strip():
        errors["reason"] = "Say why this can wait: the reason is kept on record."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"Keep the reason under {REASON_MAX} characters."
    return errors


def check(ctx: Context, message_id: int, user_id: str) -> str | None:
    """Refuse unless `user_id` received this nudge and may still snooze it; its record ref."""
    with ctx.db.session() as session:
        message = _snoozable(session, message_id, user_id, ctx.settings.snooze_limit)
        if rows.by_key(session, SNOOZED.key(nudge=message.key)) is not None:
            raise Refused("You have already snoozed this reminder.")
        return message.record_ref


def _snoozable(session: Any, message_id: int, user_id: str, limit: int) -> OutboxMessage:
    """The nudge, if `user_id` may snooze it; checked on the click and again on the submit."""
    message = rows.get(session, message_id)
    if message is None:
        raise Refused("That reminder no longer exists.")
    if message.recipient != user_id:
        raise NotAllowed("Only the person this reminder was sent to can snooze it.")
    if not message.snoozable:
        raise Refused("This message cannot be snoozed.")
    if message.archived_at is not None:  # its text is gone: there is nothing to send again
        raise Refused("This reminder is too old to snooze; open its record and deal with it from there.")
    if message.key.count(SUFFIX) >= limit:
        if limit == 0:
            raise Refused("Snoozing is turned off here; please deal with the reminder or ask your QMS manager.")
        raise Refused(
            f"This reminder has been snoozed {limit} times already; please deal with it or ask your QMS manager."
        )
    return message


def snooze(
    ctx: Context, message_id: int, user_id: str, choice: str, reason: str, submission: Submission | None = None
) -> Snoozed:
    now = ctx.clock.now()
    delay = CHOICES[choice][1]
    with ctx.db.session() as session:
        claim(session, submission, "nudge", now, f"outbox-{message_id}")
        message = _snoozable(session, message_id, user_id, ctx.settings.snooze_limit)
        until = now + delay
        again = Nudge(
            key=SNOOZED.key(nudge=message.key),
            recipient=message.recipient,
            text=message.text,
            blocks=message.blocks,
            not_before=until,
            record_ref=message.record_ref,
            in_working_hours=message.in_working_hours,
            snoozable=True,
            thread_ts=message.thread_ts,
        )
        if not enqueue(session, again, now):
            raise Refused("You have already snoozed this reminder.")
        record_change(
            session,
            at=now,
            actor=user_id,
            record_type="nudge",
            record_ref=message.record_ref or f"outbox-{message_id}",
            action="snoozed",
            after={"until": until.isoformat(), "key": again.key},
            note=reason.strip(),
        )
        return Snoozed(until, again.key, reason, message.channel, message.ts, message.text, message.blocks)


def snoozed_blocks(
    blocks: list[dict[str, Any]] | None, text: str, until_text: str, reason: str
) -> list[dict[str, Any]]:
    """The nudge as it was, its Snooze button replaced by who put it off until when, and why."""
    body = list(blocks) if blocks else [section(text)]
    note = f":zzz: Snoozed {until_text}. Reason: {escape(truncate(reason.strip(), 300))}"
    return body[:49] + [context(note)]


def show_snoozed(ctx: Context, snoozed: Snoozed) -> None:
    """Replace the Snooze button on the delivered nudge with the snooze's note."""
    if not (snoozed.channel and snoozed.ts):
        return
    local = snoozed.until.astimezone(ctx.settings.zone)
    blocks = snoozed_blocks(snoozed.blocks, snoozed.text, f"until {local:%a %d %b}", snoozed.reason)
    try:
        ctx.client.chat_update(channel=snoozed.channel, ts=snoozed.ts, text=snoozed.text, blocks=blocks)
    except SlackApiError:
        # The snooze is recorded; a stale button on the old message is cosmetic.
        pass
