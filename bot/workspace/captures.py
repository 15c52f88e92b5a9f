"""Copies of the Slack messages records are raised from: messages get edited and deleted.

A copy from a private conversation (a DM, a group DM, a private channel) is kept for the
record, but its text and its author stay off everything others read: the card in the QMS
channel, the lists, the owner's DM, the Home tab. Only the person who raised the record and
the QMS managers are shown it (and the evidence export keeps it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.surfaces.mrkdwn import mention, safe, unescape
from bot.workspace.slack import quick_client
from storage import nonconformities as store
from storage.models import MessageCapture

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

# The form opens on a trigger_id that is good for 3 s, after this lookup: a slow answer must
# leave it time, so the lookup waits at most this long, once, and then counts as private.
LOOKUP_SECONDS = 1


def public_by_slack(channel_id: str, info: dict[str, Any] | None) -> bool:
    """Whether Slack says this conversation is a public channel: only a C… ID whose
    conversations.info answer has is_channel true and is_private false. A DM (D…), a group DM
    or a private channel from before 2021 (G…), is_im, is_mpim, a missing flag, no answer: private."""
    if not channel_id.startswith("C") or not info:
        return False
    if info.get("is_im") or info.get("is_mpim"):
        return False
    return info.get("is_channel") is True and info.get("is_private") is False


def conversation_is_public(client: WebClient, channel_id: str) -> bool:
    """Ask Slack only when the ID leaves it open; any error (`channel_not_found` for a private
    channel the bot is not in, a missing scope, a timeout) counts as private."""
    if not channel_id.startswith("C"):
        return False  # D… or G…: private by its ID, no call needed
    try:
        info = quick_client(client, LOOKUP_SECONDS).conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        log.info("conversation %s counts as private: %s", channel_id, exc.response.get("error"))
        return False
    except (SlackClientError, OSError) as exc:  # a timeout or a connection error
        log.info("conversation %s counts as private: %s", channel_id, exc)
        return False
    return public_by_slack(channel_id, info)


def capture_message(ctx: Context, *, user: str, channel: str, message: dict[str, Any]) -> MessageCapture:
    """Keep a copy of the message a record is being raised from, and whether Slack says its
    conversation is public, before the form opens (the form is filled only from a public one)."""
    public = conversation_is_public(ctx.client, channel)
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
                public=public,
            ),
        )


def complete_capture(ctx: Context, capture: MessageCapture) -> None:
    """After the form is open: the message's permalink (the one thing a card shows of a private message)."""
    try:
        permalink = ctx.client.chat_getPermalink(channel=capture.channel, message_ts=capture.ts)["permalink"]
    except SlackApiError as exc:
        # Without it the record still keeps the copy; the card names "a message" instead of linking it.
        log.warning("message %s/%s: %s", capture.channel, capture.ts, exc.response.get("error"))
        return
    assert capture.id is not None
    with ctx.db.session() as session:
        store.set_capture_permalink(session, capture.id, permalink)


def copy_shown_to(ctx: Context, capture: MessageCapture, user: str) -> bool:
    """Whether `user` may read the copy of a message from a private conversation: the person
    who raised the record from it, and the QMS managers (checked on the server)."""
    return capture.public or user == capture.captured_by or ctx.roles.is_manager(user)


def private_note(record: str) -> str:
    """What a form raised from a private conversation says instead of being filled from it."""
    return (
        f":lock: This message is from a private conversation, so the form is not filled from it: "
        f"the original stays private and the {record} keeps only a link to it (and a copy that only you "
        "and the QMS managers can see). Describe it here in words that others may read."
    )


def origin_lines(capture: MessageCapture, verb: str, *, show_copy: bool = False) -> list[str]:
    """Where a record came from, as mrkdwn lines. From a public channel: the link, the author,
    the channel and a quote. From a private conversation only a link, unless `show_copy` (the
    reader is the one who raised it or a QMS manager): then the copy and its author too."""
    author = f" by {mention(capture.author)}" if capture.author else ""
    if capture.public:
        link = f"<{capture.permalink}|the original message>" if capture.permalink else "a message"
        return [f"{verb} from {link}{author} in {mention(capture.channel)}: “{safe(unescape(capture.text), 300)}”"]
    label = "a message in a private conversation"
    lines = [f"{verb} from <{capture.permalink}|{label}>" if capture.permalink else f"{verb} from {label}"]
    if show_copy:
        lines.append(
            f":lock: Its copy{author}, shown only to whoever raised it and the QMS managers: "
            f"“{safe(unescape(capture.text), 2000)}”"
        )
    return lines
