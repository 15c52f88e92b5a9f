"""Who may call the fake Slack, and with which scopes, as Slack decides it.

Slack answers a token it never issued or has revoked with `invalid_auth`, one missing with
`not_authed`, and a method the token lacks the scope for with `missing_scope` (naming what is
`needed` and what was `provided`). Every answer to a valid token carries the scopes it was
granted in the `x-oauth-scopes` header, the way Bolt reads them after auth.test. A test
grants fewer scopes (`FakeSlack.granted_scopes`) or refuses a token (`reject_token`) to see
what the bot, or `qms-bot doctor`, makes of it.
"""

from __future__ import annotations

from typing import Any

from bot.workspace.scopes import GRANTED_HEADER

APP_TOKEN_SCOPES = ("connections:write",)

# The scope each method the bot calls needs with a bot token (Slack's method pages). Methods
# not named here need none (auth.test, views.*) or are not modelled.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "users.info": "users:read",
    "users.list": "users:read",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "conversations.open": "im:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
}


def bearer(auth: str) -> str:
    return auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""


def refused_token(method: str, token: str, rejected: set[str]) -> str | None:
    """Slack's error for a request with this token, or None when the token is good."""
    if not token:
        return "not_authed"
    if token in rejected:
        return "invalid_auth"
    if method == "apps.connections.open":
        return None if token.startswith("xapp-") else "invalid_auth"
    return None if token.startswith("xox") else "not_authed"


def needed_scope(method: str, args: dict[str, Any], channels: dict[str, dict[str, Any]]) -> str | None:
    """The scope `method` needs for these arguments. conversations.info reads a public channel
    with channels:read and a private one with groups:read; a DM is not modelled."""
    if method == "conversations.info":
        channel = channels.get(str(args.get("channel") or ""))
        if channel is None:
            return None  # answered channel_not_found whatever the scopes
        return "groups:read" if channel["private"] else "channels:read"
    return METHOD_SCOPES.get(method)


def missing_scope(needed: str, granted: list[str]) -> dict[str, Any]:
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(granted)}


def scope_headers(method: str, granted: list[str]) -> dict[str, str]:
    scopes = APP_TOKEN_SCOPES if method == "apps.connections.open" else granted
    return {GRANTED_HEADER: ",".join(scopes)}
