"""Slack listeners only: parse the payload, call bot/, render the answer.

One module per process, each listing its listeners in `LISTENERS`; `register_all` puts
every one of them on the Bolt app, behind the one place refusals are answered
(`handlers.listeners`), with the Context in Bolt's `context`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.context import Context
from handlers import (
    audits,
    documents,
    equipment,
    evidence,
    feedback,
    home,
    nonconformity,
    objectives,
    outputs,
    qms,
    reviews,
    risks,
    snooze,
    suppliers,
    training,
    welcome,
)
from handlers.listeners import Listener, use_context

MODULES = (
    qms,
    nonconformity,
    evidence,
    outputs,
    audits,
    documents,
    equipment,
    reviews,
    risks,
    training,
    feedback,
    objectives,
    suppliers,
    home,
    snooze,
    welcome,
)


def listeners() -> list[Listener]:
    return [listener for module in MODULES for listener in module.LISTENERS]


def register_all(app: App, ctx: Context) -> None:
    use_context(app, ctx)
    for listener in listeners():
        listener.register(app)
