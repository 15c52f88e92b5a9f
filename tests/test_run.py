"""`qms-bot run` as a real process in HTTP mode, against the fake Slack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.standin.fakeslack import FakeSlack
from bot.standin.simulate import Person, Simulator

SECRET = "0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path: Path, fake: FakeSlack, port: int, **extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "QMS_")) and k != "DATABASE_URL"}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'qms.db'}",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A watchdog, so a start-up that never logs fails the test instead of hanging the suite.
    watchdog = threading.Timer(60, process.kill)
    watchdog.daemon = True
    watchdog.start()
    return process


def wait_for_line(process: subprocess.Popen[str], needle: str) -> list[str]:
    """Read the log until `needle` shows up (the server is then listening) or the process ends."""
    seen = []
    assert process.stderr is not None
    for line in process.stderr:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError("process ended before '" + needle + "':\n" + "".join(seen))


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U0ANNA0001", "anna")
        yield slack


def test_run_serves_slack_and_health_in_http_mode(tmp_path: Path, fake: FakeSlack) -> None:
    port = free_port()
    process = start(tmp_path, fake, port)
    try:
        wait_for_line(process, "serving Slack requests")  # logged once the socket is bound
        health = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        slack = Simulator(f"http://127.0.0.1:{port}/slack/events", SECRET, fake)
        answer = slack.command(Person("U0ANNA0001", "anna"), "/qms", "help")
        assert answer.status_code == 200 and "QMS bot commands" in answer.json()["text"]
        forged = slack.post("command=%2Fqms", "application/x-www-form-urlencoded", secret="f" * 32)
        assert forged.status_code == 401
        slack.close()
        assert (tmp_path / "qms.db").exists()  # migrated on start
    finally:
        stop(process)


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM must end the bot cleanly; if it does not, show where every thread is stuck."""
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=20) == 0
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        try:
            _, err = process.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        raise AssertionError("the bot did not stop within 20 s of SIGTERM:\n" + err[-6000:]) from None


def test_a_token_slack_refuses_stops_start_up_with_one_line(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail("auth.test", "invalid_auth", times=None)
    process = start(tmp_path, fake, free_port())
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("qms-bot: SLACK_BOT_TOKEN was not accepted by Slack")


def test_run_uses_socket_mode_when_an_app_token_is_set(tmp_path: Path, fake: FakeSlack) -> None:
    process = start(tmp_path, fake, free_port(), SLACK_APP_TOKEN="xapp-1-test")
    try:
        call = fake.wait_for_call("apps.connections.open", timeout=30)
        assert call.response["ok"] is True  # asked with the app-level token, at SLACK_API_URL
    finally:
        stop(process)
