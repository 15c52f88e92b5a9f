"""Every slash command, shortcut and event the bot has, in one place.

Handlers register their listeners from these names, `/qms help` lists them, and a test
holds manifest.yml to exactly this set. A feature adds its entries here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    usage_hint: str


@dataclass(frozen=True)
class Usage:
    example: str
    summary: str
    who: str = "everyone"


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    description: str
    kind: str  # "global" or "message"


SLASH_COMMANDS: list[SlashCommand] = [
    SlashCommand("/qms", "Quality management system: help, your role, delivery status", "help | whoami | outbox"),
]

USAGES: list[Usage] = [
    Usage("/qms help", "List every command with its usage"),
    Usage("/qms whoami", "Show the QMS roles the bot gives you (QMS manager, leader, employee)"),
    Usage("/qms outbox", "Nudge delivery status: waiting, sent, failed, with the latest failures", "QMS managers"),
]

SHORTCUTS: list[Shortcut] = []

# Events the bot subscribes to (manifest: settings.event_subscriptions.bot_events).
EVENTS: list[str] = ["member_joined_channel"]
