"""/kpi: quality objectives against their targets, defining them, logging values by hand."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import objectives
from bot.context import Context
from bot.errors import Invalid
from bot.registry import Callback, Command
from bot.submissions import Submission
from bot.workspace.roles import Role
from handlers.common import command_text, ephemeral, form_values, open_modal, teller
from handlers.listeners import command, view

USAGE = "Use `/kpi` (objectives against targets), `/kpi new` (QMS managers) or `/kpi log OBJ-3 97.5 [2026-11]`."


def on_kpi(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    words = command_text(command).split()
    sub = words[0].lower() if words else "list"
    user = command["user_id"]
    if sub not in ("list", "new", "log"):
        ack(response_type="ephemeral", text=USAGE)
        return
    ack()  # a refusal from here on is told with respond
    if sub == "new":
        ctx.roles.require(user, Role.QMS_MANAGER, doing="define quality objectives")
        open_modal(client, command["trigger_id"], objectives.new_modal(), teller(respond))
        return
    if sub == "log":
        ephemeral(respond, objectives.log_value(ctx, user, words[1:]))
        return
    respond(response_type="ephemeral", **objectives.list_reply(ctx).as_kwargs())


def on_new(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    values = form_values(view)
    errors = objectives.check_new(values)
    if errors:
        raise Invalid(errors)
    created = objectives.create(ctx, body["user"]["id"], values, submission)  # a refusal shows on "name"
    ack()
    tell_saved(ctx, body, client, f"OBJ-{created.id}")


def tell_saved(ctx: Context, body: dict[str, Any], client: WebClient, number: str) -> None:
    """The confirmation of a new objective: the same for the form sent twice."""
    client.chat_postMessage(
        channel=body["user"]["id"], text=f"Quality objective *{number}* saved. `/kpi` shows it against its target."
    )


LISTENERS = [
    command(Command.KPI, on_kpi),
    view(Callback.OBJECTIVE_NEW, on_new, field="name", again=tell_saved),
]
