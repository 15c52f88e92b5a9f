"""Copies of the Slack messages records are raised from: messages get edited and deleted."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from storage import nonconformities as store
from storage.models import MessageCapture

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)


def capture_message(ctx: Context, *, user: str, channel: str, message: dict[str, Any]) -> MessageCapture:
    """Keep a copy of the message a record is being raised from, before the modal opens."""
    with ctx.db.session() as session:
        return store.add_capture(
            session,
            MessageCapture(
                captured_by=user,
                captured_at=ctx.clock.now(),
                channel=channel,
                ts=str(message.get("ts") or ""),
                author=message.get("user") or message.get("bot_id"),
                text=str(message.get("text") or ""),
            ),
        )


def complete_capture(ctx: Context, capture: MessageCapture) -> None:
    """After the modal is open: the message's permalink, and whether its channel is public."""
    permalink, public = None, False
    try:
        permalink = ctx.client.chat_getPermalink(channel=capture.channel, message_ts=capture.ts)["permalink"]
        channel = ctx.client.conversations_info(channel=capture.channel)["channel"]
        public = not (channel.get("is_private") or channel.get("is_im") or channel.get("is_mpim"))
    except SlackApiError as exc:
        # Without these the NC still keeps the copy; the card links less and quotes nothing.
        log.warning("message %s/%s: %s", capture.channel, capture.ts, exc.response.get("error"))
    assert capture.id is not None
    with ctx.db.session() as session:
        store.set_capture_details(session, capture.id, permalink=permalink, public=public)
