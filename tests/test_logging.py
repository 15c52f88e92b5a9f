"""What a running bot logs: that it started (version, mode, workspace, channel), once a minute
what it sent, warnings; not Bolt's token warning nor APScheduler's every job run. As text, or
one JSON object a line (QMS_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.delivery.outbox import Nudge
from bot.delivery.scheduler import Tally, make_scheduler, summarise
from bot.standin.fakeslack import BOT_USER_ID, FakeSlack
from bot.standin.sandbox import ANNA, Sandbox
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from bot.workspace.logs import JsonFormatter, bot_version, configure_logging
from tests.flows import free_port, start, stop, wait_for_line


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U0QUINN001", "quinn")
        slack.add_channel("C0QUALITY1", "quality", ["U0QUINN001", BOT_USER_ID])
        yield slack


def run_and_stop(tmp_path: Path, fake: FakeSlack, **extra: str) -> list[str]:
    """The log of `qms-bot run` (HTTP mode) from start to a SIGTERM once it serves."""
    settings = {"QMS_MANAGERS": "U0QUINN001", "QMS_CHANNEL": "C0QUALITY1", **extra}
    process = start(tmp_path, fake, free_port(), **settings)
    try:
        seen = wait_for_line(process, "serving Slack requests")
    finally:
        stop(process)
    assert process.stderr is not None
    return [line.rstrip("\n") for line in [*seen, *process.stderr]]


def test_start_up_says_what_the_bot_does_in_a_line_and_nothing_else(tmp_path: Path, fake: FakeSlack) -> None:
    lines = run_and_stop(tmp_path, fake)  # SLACK_BOT_TOKEN is in the environment, as in production
    messages = [line.split(": ", 1)[1] for line in lines]
    assert messages == [
        f"qms-bot {bot_version()} started: HTTP mode, serving Slack requests at http://127.0.0.1:"
        f"{messages[0].split('127.0.0.1:')[1].split('/')[0]}/slack/events (health: /healthz), "
        "workspace QMS Demo (T0QMSDEMO1), channel #quality (C0QUALITY1)",
        "stopping",
    ], "\n".join(lines)
    assert all(" INFO qms-bot" in line for line in lines)


def test_json_logs_are_one_object_a_line(tmp_path: Path, fake: FakeSlack) -> None:
    lines = run_and_stop(tmp_path, fake, QMS_LOG_FORMAT="json")
    entries = [json.loads(line) for line in lines]
    assert [(e["level"], e["logger"]) for e in entries] == [("INFO", "qms-bot"), ("INFO", "qms-bot")]
    assert "started: HTTP mode" in entries[0]["message"] and entries[1]["message"] == "stopping"
    assert all(e["time"].endswith("+00:00") for e in entries)


def test_json_carries_the_exception_text() -> None:
    try:
        raise ValueError("the pallet label is unreadable")
    except ValueError:
        record = logging.getLogger("qms-bot").makeRecord(
            "qms-bot", logging.ERROR, __file__, 1, "tick %s", ("failed",), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "tick failed" and entry["level"] == "ERROR"
    assert "ValueError: the pallet label is unreadable" in entry["exception"] and "Traceback" in entry["exception"]


def test_bolt_is_not_given_the_environments_token_beside_the_client(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    with Sandbox(clock=clock) as sb, caplog.at_level(logging.WARNING):
        create_app(sb.ctx)
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
    assert os.environ["SLACK_BOT_TOKEN"] == "xoxb-from-the-environment"  # put back as it was


def ours(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The bot's own lines at INFO and above (APScheduler's are held back by configure_logging)."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith("bot.")]


def test_what_was_sent_is_summed_up_once_a_minute_and_not_every_tick(
    caplog: pytest.LogCaptureFixture, clock: ManualClock
) -> None:
    nudges = [lambda s, now, c: [Nudge(key="tick:1", recipient=ANNA.id, text="due")]]
    with Sandbox(clock=clock, sources=nudges) as sb, caplog.at_level(logging.INFO):
        tally = Tally()
        jobs = {job.id: job for job in make_scheduler(sb.ctx, tally).get_jobs()}
        for name in ("derive-nudges", "send-outbox"):
            jobs[name].func(*jobs[name].args)
        assert ours(caplog) == []  # the ticks themselves: DEBUG
        summarise(tally)
        summarise(tally)  # nothing happened since: no line
    assert ours(caplog) == ["in the last minute: 1 nudges queued, 1 messages sent"]
    assert jobs["summary"].trigger.interval.total_seconds() == 60


def test_apschedulers_job_lines_are_held_back_and_debug_lets_the_libraries_speak() -> None:
    settings = explicit_settings(log_level="INFO")
    handler = configure_logging(settings)
    try:
        assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("slack_bolt").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger().level == logging.INFO
        configure_logging(explicit_settings(log_level="debug"))
        assert logging.getLogger().level == logging.DEBUG
        assert logging.getLogger("slack_sdk").getEffectiveLevel() == logging.INFO
        assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
        assert [h.get_name() for h in logging.getLogger().handlers].count("qms-bot") == 1  # replaced, not added
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if h.get_name() == "qms-bot"]:
            root.removeHandler(h)
        root.setLevel(logging.WARNING)
        del handler
