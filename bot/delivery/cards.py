"""A record's card in Slack: one message drawn from the record, updated in place, with a thread.

NC cards and complaint cards work the same way, so they share this: the card is posted
once (its channel and ts saved before anything else can fail, so a retry updates it rather
than posting a second), redrawn with chat.update after every step, and each step is told in
its thread through the outbox, in the step's own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.delivery.outbox import Nudge, enqueue
from bot.surfaces.blocks import Reply

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

# Stores where the card is: (channel, ts, permalink or None).
SaveCard = Callable[[str, str, "str | None"], None]


def show(
    ctx: Context, reply: Reply, *, channel: str | None, ts: str | None, post_to: str, save: SaveCard, what: str
) -> str | None:
    """Update the card at (channel, ts), or post it to `post_to` the first time; its permalink when new.

    The record is the truth and the card only shows it: when Slack fails here, the next
    step redraws the whole card, so nothing is lost by logging and going on.
    """
    try:
        if channel and ts:
            ctx.client.chat_update(channel=channel, ts=ts, **reply.as_kwargs())
            return None
        posted = ctx.client.chat_postMessage(channel=post_to, unfurl_links=False, **reply.as_kwargs())
    except SlackApiError as exc:
        log.error("could not show the card of %s: %s", what, exc.response.get("error"))
        return None
    save(posted["channel"], posted["ts"], None)
    try:
        permalink = ctx.client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"]).get("permalink")
    except SlackApiError as exc:
        log.warning("no permalink for the card of %s: %s", what, exc.response.get("error"))
        return None
    save(posted["channel"], posted["ts"], permalink)
    return permalink


def tell_thread(session: Any, key: str, card: Any, record_ref: str, text: str, now: datetime) -> None:
    """Queue `text` as a reply in the card's thread (nothing while the card is not out)."""
    if card.card_channel:
        enqueue(
            session,
            Nudge(key, card.card_channel, text, thread_ts=card.card_ts, record_ref=record_ref, in_working_hours=False),
            now,
        )
