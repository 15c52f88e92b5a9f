"""/kpi: quality objectives against their targets, defining them, logging values by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import objectives
from bot.errors import NotAllowed
from bot.registry import Callback
from bot.workspace.roles import Role
from handlers.common import ephemeral, form_values, open_modal, teller

if TYPE_CHECKING:
    from bot.context import Context

USAGE = "Use `/kpi` (objectives against targets), `/kpi new` (QMS managers) or `/kpi log OBJ-3 97.5 [2026-11]`."


def register(app: App, ctx: Context) -> None:
    @app.command("/kpi")
    def on_kpi(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "list"
        user = command["user_id"]
        if sub not in ("list", "new", "log"):
            ack(response_type="ephemeral", text=USAGE)
            return
        ack()
        try:
            if sub == "new":
                ctx.roles.require(user, Role.QMS_MANAGER, doing="define quality objectives")
                open_modal(client, command["trigger_id"], objectives.new_modal(), teller(respond))
                return
            if sub == "log":
                ephemeral(respond, objectives.log_value(ctx, user, words[1:]))
                return
        except (NotAllowed, objectives.Refused) as refused:
            ephemeral(respond, str(refused))
            return
        respond(response_type="ephemeral", **objectives.list_reply(ctx).as_kwargs())

    @app.view(Callback.OBJECTIVE_NEW)
    def on_new(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = form_values(view)
        errors = objectives.check_new(values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            created = objectives.create(ctx, body["user"]["id"], values)
        except NotAllowed as refused:
            ack(response_action="errors", errors={"name": str(refused)})
            return
        ack()
        client.chat_postMessage(
            channel=body["user"]["id"],
            text=f"Quality objective *OBJ-{created.id}* saved. `/kpi` shows it against its target.",
        )
