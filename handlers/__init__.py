"""Slack listeners only: parse the payload, call bot/, render the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from handlers import audits, documents, feedback, home, nonconformity, objectives, qms, reviews, snooze, training, welcome

if TYPE_CHECKING:
    from bot.context import Context


def register_all(app: App, ctx: "Context") -> None:
    for feature in (qms, nonconformity, audits, documents, reviews, training, feedback, objectives, home, snooze, welcome):
        feature.register(app, ctx)
