"""/qms: help, whoami, outbox, digest, export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from bot import qms
from bot.context import Context
from bot.registry import Command
from bot.surfaces.blocks import Reply
from handlers.common import command_text
from handlers.listeners import command

# The subcommands that read Slack or the database, answered after the ack.
READERS: dict[str, Callable[[Context, str], Reply]] = {
    "whoami": qms.whoami_reply,
    "outbox": qms.outbox_reply,
    "digest": qms.digest_reply,
}


def on_qms(ctx: Context, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
    words = command_text(command).split()
    sub = words[0].lower() if words else "help"
    user = command["user_id"]
    if sub == "help":
        ack(response_type="ephemeral", **qms.help_reply().as_kwargs())
        return
    if sub not in (*READERS, "export"):
        ack(response_type="ephemeral", **qms.unknown_reply(" ".join(words)).as_kwargs())
        return
    # These read Slack or the database: acknowledge first, answer through response_url
    # (a refusal too: raised after the ack, it is told there).
    ack()
    reply = qms.export_reply(ctx, user, words[1:]) if sub == "export" else READERS[sub](ctx, user)
    respond(response_type="ephemeral", **reply.as_kwargs())


LISTENERS = [command(Command.QMS, on_qms)]
