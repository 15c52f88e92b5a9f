"""What every bot function may use: settings, records, the clock, Slack and delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.delivery.nudges import NudgeEngine
from bot.delivery.outbox import Sender
from bot.delivery.trail import LaterTrail
from bot.delivery.webhooks import WebhookSender
from bot.workspace.clock import Clock
from bot.workspace.config import Settings
from bot.workspace.people import Directory
from bot.workspace.roles import Roles
from storage.db import Database

if TYPE_CHECKING:
    from bot.evidence import EvidenceStore


@dataclass
class Context:
    """Built once by the composition root (`bot.app.build_context`); listeners get it from
    Bolt's `context` (a middleware puts it there), bot functions as their first argument."""

    settings: Settings
    db: Database
    clock: Clock
    client: WebClient
    directory: Directory
    roles: Roles
    sender: Sender
    nudges: NudgeEngine
    webhooks: WebhookSender
    later_trail: LaterTrail  # refused attempts, written after the answer
    evidence: EvidenceStore  # where evidence files' bytes are kept (QMS_EVIDENCE_URL)

    def today(self) -> date:
        """Today in the organisation's timezone: the day due dates and periods are counted in."""
        return self.clock.now().astimezone(self.settings.zone).date()
