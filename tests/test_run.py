"""`qms-bot run` as a real process in HTTP mode, against the fake Slack."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.standin.fakeslack import FakeSlack
from bot.standin.simulate import Person, Simulator
from tests.flows import SECRET, free_port, start, stop, wait_for_line


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


def test_a_token_slack_refuses_stops_start_up_with_one_line(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail("auth.test", "invalid_auth", times=None)
    process = start(tmp_path, fake, free_port())
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("qms-bot: SLACK_BOT_TOKEN was not accepted by Slack")


def test_a_slack_port_in_use_stops_start_up_with_one_line(tmp_path: Path, fake: FakeSlack) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = start(tmp_path, fake, taken.getsockname()[1])
        _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("qms-bot: PORT: cannot listen on 127.0.0.1:")


def test_run_uses_socket_mode_when_an_app_token_is_set(tmp_path: Path, fake: FakeSlack) -> None:
    process = start(tmp_path, fake, free_port(), SLACK_APP_TOKEN="xapp-1-test")
    try:
        call = fake.wait_for_call("apps.connections.open", timeout=30)
        assert call.response["ok"] is True  # asked with the app-level token, at SLACK_API_URL
    finally:
        stop(process)


def test_slack_unreachable_at_start_up_stops_with_one_line(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    unreachable = FakeSlack()  # never started: only its shape is borrowed for start()
    unreachable.port = closed
    process = start(tmp_path, unreachable, free_port())
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith(f"qms-bot: Slack is not reachable at http://127.0.0.1:{closed}/api/")


def test_an_app_token_slack_refuses_stops_start_up_with_one_line(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail("apps.connections.open", "invalid_auth", times=None)
    process = start(tmp_path, fake, free_port(), SLACK_APP_TOKEN="xapp-1-refused")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "Traceback" not in err, err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("qms-bot: SLACK_APP_TOKEN was not accepted by Slack at apps.connections.open (invalid_auth)")
    )


def test_a_misspelt_setting_stops_start_up_with_one_line(tmp_path: Path, fake: FakeSlack) -> None:
    (tmp_path / "qms.toml").write_text('manager = ["U0QUINN001"]\n')
    process = start(tmp_path, fake, free_port(), QMS_CHANEL="C0QUALITY1")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "Traceback" not in err, err
    assert err.splitlines() == [
        "qms-bot: qms.toml: unknown setting 'manager'; did you mean 'managers'?",
        "qms-bot: QMS_CHANEL: unknown setting; did you mean QMS_CHANNEL?",
    ]
    assert fake.calls == []  # refused before anything reached Slack
