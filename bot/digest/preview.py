"""`qms-bot digest --preview`: the digest as it stands now, as text, and whom it goes to."""

from __future__ import annotations

from datetime import datetime

from bot.digest.blocks import render
from bot.digest.nudges import digest_recipients
from bot.digest.replies import compute
from bot.surfaces.transcript import render_message
from bot.workspace.config import Settings
from storage.db import Database


def preview_lines(db: Database, settings: Settings, now: datetime) -> list[str]:
    with db.read() as session:  # a preview only reads: it never waits for the bot's writers
        reply = render(compute(session, now, settings))
    groups = [g for g in settings.leaders if g.startswith("S")]
    to = ", ".join(
        digest_recipients(settings) + [f"the members of {g}" for g in groups if not settings.leaders_channel]
    )
    return [
        *render_message(reply.text, reply.blocks),
        f"(goes to: {to or 'nobody: set QMS_LEADERS or QMS_LEADERS_CHANNEL'}; {settings.digest} {settings.timezone})",
    ]
