"""/qms: help, whoami, outbox, digest, export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from bot import qms
from bot.errors import NotAllowed

if TYPE_CHECKING:
    from bot.context import Context


def register(app: App, ctx: Context) -> None:
    @app.command("/qms")
    def on_qms(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        words = (command.get("text") or "").strip().split()
        sub = words[0].lower() if words else "help"
        user = command["user_id"]
        if sub == "help":
            ack(response_type="ephemeral", **qms.help_reply().as_kwargs())
            return
        if sub not in ("whoami", "outbox", "digest", "export"):
            ack(response_type="ephemeral", **qms.unknown_reply(" ".join(words)).as_kwargs())
            return
        # These read Slack or the database: acknowledge first, answer through response_url.
        ack()
        try:
            if sub == "export":
                reply = qms.export_reply(ctx, user, words[1:])
            else:
                reply = {"whoami": qms.whoami_reply, "outbox": qms.outbox_reply, "digest": qms.digest_reply}[sub](
                    ctx, user
                )
        except NotAllowed as refused:
            respond(text=str(refused), response_type="ephemeral")
            return
        respond(response_type="ephemeral", **reply.as_kwargs())
