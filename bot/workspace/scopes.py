"""The bot token scopes manifest.yml asks for, as code: `qms-bot doctor` compares them with the
scopes Slack says the installed token has (its `x-oauth-scopes` header), and the stand-in
grants them by default. tests/test_doctor.py holds this list to manifest.yml's
`oauth_config.scopes.bot`, so the two cannot drift apart (an installed bot has no manifest.yml
beside it to read)."""

from __future__ import annotations

BOT_SCOPES: tuple[str, ...] = (
    "chat:write",
    "files:write",
    "files:read",
    "im:write",
    "commands",
    "users:read",
    "usergroups:read",
    "channels:read",
    "groups:read",
)

# The header of every Web API answer to a valid token: the scopes it was granted, comma-separated.
GRANTED_HEADER = "x-oauth-scopes"


def granted(header: str | None) -> set[str]:
    """The scopes an `x-oauth-scopes` header names (Slack separates them with commas)."""
    return {scope.strip() for scope in (header or "").split(",") if scope.strip()}
