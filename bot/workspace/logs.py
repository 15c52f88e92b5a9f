"""How the bot logs: what it does at INFO, the rest at DEBUG, as text or one JSON object a line.

At INFO a running bot says that it started (version, mode, workspace, channel) and, once a
minute when something went out, what it sent (bot/delivery/scheduler.py). The libraries'
own lines (APScheduler's every job run, Bolt's and slack_sdk's connection chatter) are
held to warnings, unless QMS_LOG_LEVEL=DEBUG asks for everything. QMS_LOG_FORMAT=json is
for log collectors: stdlib logging with a small Formatter, no dependency.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.workspace.config import Settings

HANDLER_NAME = "qms-bot"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Every scheduled run is an INFO line of APScheduler's ("Running job ... executed
# successfully"): the outbox tick alone makes two a second.
QUIET_LIBRARIES = ("apscheduler", "slack_bolt", "slack_sdk")


def bot_version() -> str:
    try:
        return version("qms-bot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Log to `stream` (stderr) in QMS_LOG_FORMAT at QMS_LOG_LEVEL; calling it again replaces
    the handler it added before and leaves other handlers (a test's capture) alone."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level.upper())
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        quiet = logging.INFO if level <= logging.DEBUG and name != "apscheduler" else logging.WARNING
        logging.getLogger(name).setLevel(quiet)
    return handler


def started_line(settings: Settings, client: WebClient, mode: str) -> str:
    """'qms-bot 0.1.0 started: Socket Mode, workspace Acme (T…), channel #quality (C…)'."""
    return (
        f"qms-bot {bot_version()} started: {mode}, workspace {_workspace(client)}, channel {_channel(settings, client)}"
    )


def _workspace(client: WebClient) -> str:
    try:
        answer = client.auth_test()
    except (SlackApiError, SlackClientError, OSError):
        return "(not known: auth.test did not answer)"
    return f"{answer.get('team')} ({answer.get('team_id')})"


def _channel(settings: Settings, client: WebClient) -> str:
    if not settings.channel:
        return "none (QMS_CHANNEL is not set)"
    try:
        name = client.conversations_info(channel=settings.channel)["channel"].get("name")
    except (SlackApiError, SlackClientError, OSError):
        return settings.channel
    return f"#{name} ({settings.channel})" if name else settings.channel
