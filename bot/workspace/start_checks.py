"""What `qms-bot run` checks before it starts: the Slack credentials it cannot run without,
and the settings a QMS hardly works without (warnings)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.workspace.config import Settings

MANIFEST_HINT = "create the Slack app from manifest.yml (see README, 'Create the Slack app')"


def settings_warnings(settings: Settings) -> list[str]:
    """Settings the bot starts without, though a QMS hardly works without them."""
    warnings = []
    if not settings.managers:
        warnings.append(
            "QMS_MANAGERS is not set: nobody can assign, verify or close NCs, publish trainings or plan audits "
            "(give QMS managers' user IDs U…, or one user group S…)"
        )
    if not settings.channel:
        warnings.append(
            "QMS_CHANNEL is not set: NC cards go to their owners only and nobody is welcomed "
            "(give the QMS channel's ID C…, and invite the bot there)"
        )
    return warnings


def credential_problems(settings: Settings) -> list[str]:
    """What is missing or malformed for `qms-bot run`; empty when it can start."""
    token = settings.slack_bot_token
    if not token:
        # One line for a fresh set-up: everything it needs, in the order Slack shows it.
        return [
            f"SLACK_BOT_TOKEN is not set: {MANIFEST_HINT}, install it, then set SLACK_BOT_TOKEN (xoxb-…) "
            "and SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        ]
    problems = []
    if not token.startswith("xoxb-"):
        problems.append(
            "SLACK_BOT_TOKEN must be the Bot User OAuth Token starting with xoxb- (OAuth & Permissions page)"
        )
    if settings.slack_app_token is not None:
        if not settings.slack_app_token.startswith("xapp-"):
            problems.append(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp- with the connections:write scope "
                "(Basic Information > App-Level Tokens), or unset it to run in HTTP mode"
            )
    else:
        secret = settings.slack_signing_secret
        if not secret:
            problems.append(
                "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode: "
                f"{MANIFEST_HINT}; both are on the app's Basic Information page"
            )
        elif not re.fullmatch(r"[0-9a-f]{32}", secret):
            problems.append(
                "SLACK_SIGNING_SECRET must be the 32-character hex Signing Secret from the app's Basic Information page"
            )
    return problems
