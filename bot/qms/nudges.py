"""The outbox keys of what `/qms` and the channel welcome queue (never changed once released)."""

from __future__ import annotations

from bot.delivery.keys import Key

# One workbook per request: the instant asked (ISO format, as text) tells two requests apart.
EXPORT = Key("export:{user}:{asked}")
# One welcome per join event: Slack's event id makes a redelivered event queue nothing new.
WELCOME = Key("welcome:{event}")
