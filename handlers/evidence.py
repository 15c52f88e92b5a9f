"""The "Attach files as evidence" message shortcut and its form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import evidence
from bot import nonconformity as nc
from bot.context import Context
from bot.errors import Invalid, valid
from bot.registry import Callback, ShortcutId
from bot.submissions import Submission
from handlers.common import ephemeral, form_values
from handlers.listeners import message_shortcut, view

log = logging.getLogger(__name__)

NO_FILES = (
    "This message has no files to keep. Use *Attach files as evidence* on a message with photos, "
    "certificates or signed forms, or attach them in a step's form on the NC's card."
)
NO_RECORD = (
    "There is no open NC you may attach evidence to: files are kept on an NC by its owner, whoever "
    "raised it, its action owners or a QMS manager. Raise one from this message with "
    "*Raise nonconformity from message*."
)
NOT_OPENED = "Slack did not open the form in time. Please try once more."
LOST_FILES = "This form lost track of the message's files; close it and use the shortcut on the message again."


def on_attach_from_message(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """Open the form at once (the trigger lasts 3 s) with the files as the message names them,
    then ask Slack about each and show what can be kept, or why nothing can."""
    ack()
    user, channel = body["user"]["id"], body["channel"]["id"]
    message = body.get("message") or {}
    listed = evidence.files_in(message)
    if not listed.files:
        ephemeral(respond, NO_FILES)
        return
    choices = nc.attach_choices(ctx, user, channel, message)
    if choices is None:
        ephemeral(respond, NO_RECORD)
        return
    form = evidence.attach_modal(listed.files, choices, checking=True, left_out=listed.left_out)
    try:
        opened = client.views_open(trigger_id=body["trigger_id"], view=form)["view"]
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        ephemeral(respond, NOT_OPENED)
        return
    seen = evidence.look_up(ctx, listed.files, user)
    if any(f.problem is None for f in seen):
        private = evidence.private_conversation(ctx, channel)
        form = evidence.attach_modal(seen, choices, private=private, left_out=listed.left_out)
    else:
        form = evidence.cannot_keep_modal(seen, left_out=listed.left_out)
    try:
        client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=form)
    except SlackApiError as exc:
        # Sent or closed meanwhile: the files are checked again when they are kept.
        log.info("views.update of the evidence form: %s", exc.response.get("error"))


def on_attach_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    user = body["user"]["id"]
    offered = evidence.offered_in(view)
    if not offered:
        raise Invalid({evidence.STEP_BLOCK: LOST_FILES})
    picked = valid(*evidence.chosen(form_values(view)))
    assert picked is not None
    record = nc.check_attach(ctx, picked, user, submission)  # a refusal shows on the record's field
    ack()
    # Downloaded after the ack: ten files of 10 MB take longer than Slack waits.
    kept = nc.attach_from_message(ctx, record, picked.step, user, offered)
    form = submission.view_id if submission else str(view.get("id") or "")
    evidence.tell_kept(ctx, user, record.number, picked.step, kept, record.card_permalink, form)


LISTENERS = [
    message_shortcut(ShortcutId.ATTACH_EVIDENCE_FROM_MESSAGE, on_attach_from_message),
    view(Callback.EVIDENCE_FROM_MESSAGE, on_attach_submit, field="record"),
]
