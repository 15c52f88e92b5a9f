"""The outbox keys of competence by role. A template must never change once released."""

from __future__ import annotations

from bot.delivery.keys import Key

# Each QMS manager, once per person joining a role and the rounds they were asked for.
JOINED = Key("competence:{role}:{person}:{rounds}:{manager}")
