"""The periodic work's own process (bot/background.py), as `qms-bot run` starts it."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.background import wanted
from bot.delivery.outbox import Nudge, enqueue
from bot.standin.fakeslack import FakeSlack
from bot.workspace.config import explicit_settings, load_settings
from storage.db import Database
from storage.migrate import upgrade
from tests.flows import free_port, start, stop, wait_for_line

STARTED = re.compile(r"background process started \(pid (\d+)\)")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U0ANNA0001", "anna")
        yield slack


def queue_message(tmp_path: Path, text: str) -> None:
    """A message in the outbox of the bot's database, for whoever sends to send."""
    db = Database(f"sqlite:///{tmp_path / 'qms.db'}")
    upgrade(db.engine)
    with db.session() as session:
        # Not held for working hours: the real clock may be at night.
        enqueue(session, Nudge(key=text, recipient="U0ANNA0001", text=text, in_working_hours=False), datetime.now(UTC))
    db.dispose()


def sent(fake: FakeSlack, text: str) -> bool:
    return fake.wait_until(lambda calls: any(c.args.get("text") == text for c in calls), timeout=20)


def background_pid(lines: list[str]) -> int:
    found = [int(m.group(1)) for line in lines if (m := STARTED.search(line))]
    assert found, "no background process was started:\n" + "".join(lines)
    return found[-1]


def parent_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]


def gone(pid: int, within: float = 10) -> bool:
    """No such process, or only its exit status waiting for a reaper (a container's init may
    never reap), within `within` seconds. Waited for on a pidfd, which becomes readable when the
    process ends: the end of the log it held comes a moment before, as it closes its files on
    the way out, so a look at /proc then could still find it exiting."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([handle], [], [], within)[0])
    finally:
        os.close(handle)


def rest_of_log(process: subprocess.Popen[str], within: float = 20) -> str:
    """The log to its end, which comes only once every process writing it has ended: the
    background process holds the same stderr as the bot."""
    assert process.stderr is not None
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(process.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(within)
    assert not reader.is_alive(), "a process still holds the bot's log open"
    return out[0]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_periodic_work_runs_in_a_process_of_its_own_which_dies_with_a_killed_bot(
    tmp_path: Path, fake: FakeSlack
) -> None:
    queue_message(tmp_path, "sent from the background")
    process = start(tmp_path, fake, free_port(), QMS_LOG_LEVEL="debug")
    try:
        child = background_pid(wait_for_line(process, "serving Slack requests"))
        assert child != process.pid and parent_of(child) == process.pid
        assert sent(fake, "sent from the background")
        # Each process keeps its own directory warm (one users.list each), so the sender
        # knows the recipient's timezone without a users.info call per person.
        assert fake.wait_until(lambda calls: sum(c.method == "users.list" for c in calls) >= 2, timeout=20)
        assert not [c for c in fake.calls if c.method == "users.info" and c.args.get("user") == "U0ANNA0001"]
    finally:
        process.kill()  # SIGKILL: the bot cannot tell its child anything
        process.wait(timeout=10)
    rest_of_log(process)
    assert gone(child)


def test_a_background_process_that_ends_is_started_again_and_said_so(tmp_path: Path, fake: FakeSlack) -> None:
    process = start(tmp_path, fake, free_port(), QMS_LOG_LEVEL="debug")
    try:
        first = background_pid(wait_for_line(process, "serving Slack requests"))
        os.kill(first, signal.SIGKILL)
        lines = wait_for_line(process, "background process started")
        assert any("had ended with exit code -9; starting it again" in line for line in lines), "".join(lines)
        assert background_pid(lines) != first
        queue_message(tmp_path, "sent by the new one")
        assert sent(fake, "sent by the new one")
    finally:
        stop(process)


def test_a_supervisor_signalling_the_whole_group_stops_both_cleanly(tmp_path: Path, fake: FakeSlack) -> None:
    # systemd's default KillMode sends SIGTERM to every process of the service at once.
    process = start(tmp_path, fake, free_port(), group=True, QMS_LOG_LEVEL="debug")
    try:
        child = background_pid(wait_for_line(process, "serving Slack requests"))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    log = rest_of_log(process)
    assert "Traceback" not in log and "killing it" not in log and "ended with exit code" not in log, log
    assert gone(child)


def test_without_a_background_process_the_bot_sends_itself(tmp_path: Path, fake: FakeSlack) -> None:
    queue_message(tmp_path, "sent by the bot")
    process = start(tmp_path, fake, free_port(), QMS_LOG_LEVEL="debug", QMS_BACKGROUND_PROCESS="false")
    try:
        lines = wait_for_line(process, "serving Slack requests")
        assert not any(STARTED.search(line) for line in lines)
        assert sent(fake, "sent by the bot")
    finally:
        stop(process)


def test_an_in_memory_database_keeps_the_periodic_work_in_the_bot() -> None:
    # Another process would open a database of its own, empty.
    for url, apart in [("sqlite:///qms.db", True), ("sqlite://", False), ("sqlite:///:memory:", False)]:
        assert wanted(explicit_settings(slack_bot_token="xoxb-t", database_url=url)) is apart
    assert not wanted(explicit_settings(slack_bot_token="xoxb-t", background_process=False))


def test_the_background_process_gets_exactly_the_bots_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Handed over as JSON on the child's stdin, not read again: the same values, whatever the
    # qms.toml or the environment say by the time it starts.
    (tmp_path / "qms.toml").write_text('timezone = "Europe/Berlin"\nprocesses = ["Welding", "Paint"]\n')
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-t",
        "QMS_MANAGERS": "U0AAAAAA1",
        "QMS_DUE_DAYS": "critical=3,major=10,minor=30",
        "QMS_WEBHOOKS": '[{"url": "https://example.com/h", "secret": "0123456789abcdef", "events": ["*"]}]',
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    handed = json.loads(json.dumps(settings.model_dump(mode="json")))
    assert explicit_settings(**handed).model_dump() == settings.model_dump()
