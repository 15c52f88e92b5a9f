"""`qms-bot run` in Socket Mode, as a real process against the stand-in's WebSocket.

The same Slack payloads the rest of the suite sends over HTTP go out as envelopes; each answer is
the envelope's ack (see SocketSimulator). Nothing sleeps: every wait is on a condition.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.server import health_app, make_server, stop_server
from bot.server import serve_health as _serve_health
from bot.standin.fakeslack import Call, FakeSlack
from bot.standin.sandbox import ANNA, BEN, PEOPLE, QMS_CHANNEL, QUINN
from bot.standin.simulate import Person, SocketSimulator
from bot.workspace.config import ConfigError, explicit_settings
from storage.db import Database
from storage.models import Nonconformity
from tests.flows import ANSWERS, free_port, start, stop, wait_for_line

APP_TOKEN = "xapp-1-A0QMSDEMO1-1-test"


@dataclass
class Log:
    """The bot's log, read on a thread so a chatty run never fills the pipe."""

    lines: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def follow(self, process: subprocess.Popen[str]) -> None:
        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                with self.changed:
                    self.lines.append(line)
                    self.changed.notify_all()

        threading.Thread(target=read, name="bot-log", daemon=True).start()

    def text(self) -> str:
        with self.changed:
            return "".join(self.lines)


@dataclass
class Running:
    fake: FakeSlack
    slack: SocketSimulator
    process: subprocess.Popen[str]
    log: Log
    folder: Path

    def nonconformities(self) -> list[Nonconformity]:
        db = Database(f"sqlite:///{self.folder / 'qms.db'}")
        try:
            with db.session() as session:
                return list(session.exec(select(Nonconformity).order_by(Nonconformity.id)))  # type: ignore[arg-type]
        finally:
            db.dispose()

    def wait(self, condition: Any, what: str) -> list[Call]:
        if not self.fake.wait_until(condition, timeout=20):
            raise AssertionError(f"{what} did not happen; the bot's log:\n{self.log.text()[-6000:]}")
        return self.fake.calls


def _workspace(fake: FakeSlack) -> None:
    for person, (real_name, tz) in PEOPLE.items():
        fake.add_user(person.id, person.name, real_name=real_name, tz=tz)
    fake.add_channel(QMS_CHANNEL, "quality", [QUINN.id, ANNA.id])


def _start_bot(tmp_path: Path, fake: FakeSlack, **extra: str) -> subprocess.Popen[str]:
    return start(
        tmp_path,
        fake,
        free_port(),
        SLACK_APP_TOKEN=APP_TOKEN,
        QMS_MANAGERS=QUINN.id,
        QMS_CHANNEL=QMS_CHANNEL,
        QMS_TIMEZONE="Europe/Berlin",
        QMS_WORKING_DAYS="mon-sun",
        **extra,
    )


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    with FakeSlack() as fake:
        _workspace(fake)
        process = _start_bot(tmp_path, fake)
        log = Log()
        log.follow(process)
        slack = SocketSimulator(fake)
        try:
            fake.socket_mode.wait_connected()
            yield Running(fake, slack, process, log, tmp_path)
            assert fake.socket_mode.late == [], "envelopes acked late or never"
        finally:
            slack.close()
            stop(process)


def _posted(channel: str) -> Any:
    return lambda calls: any(
        c.method == "chat.postMessage" and c.response.get("ok") and c.response.get("channel") == channel for c in calls
    )


def _opened(count: int) -> Any:
    return lambda calls: sum(1 for c in calls if c.method == "views.open" and c.response.get("ok")) >= count


def _raise_from_message(bot: Running, person: Person = ANNA) -> Nonconformity:
    said = bot.fake.post_as(BEN.id, QMS_CHANNEL, "Batch 4711 left packing without the customer label")
    ack = bot.slack.message_shortcut(person, "raise_nc_from_message", said, QMS_CHANNEL)
    assert (ack.status_code, ack.content) == (200, b"")
    bot.wait(_opened(1), "views.open for the raise form")
    view = bot.slack.last_view()
    assert view["callback_id"] == "nc_raise"
    submitted = bot.slack.submit(person, view, {**ANSWERS, "title": "Customer label missing on batch 4711"})
    assert (submitted.status_code, submitted.content) == (200, b"")  # a clean ack closes the modal
    bot.wait(_posted(QMS_CHANNEL), "the NC card in the QMS channel")
    [nc] = bot.nonconformities()
    assert nc.title == "Customer label missing on batch 4711" and nc.reporter == person.id
    return nc


def _card(bot: Running, nc: Nonconformity) -> dict[str, Any]:
    cards = [m for m in bot.fake.sent_messages(QMS_CHANNEL) if nc.number in json.dumps(m.get("blocks"))]
    assert cards, bot.fake.sent_messages(QMS_CHANNEL)
    return cards[-1]


def _press(bot: Running, person: Person, message: dict[str, Any], label: str) -> httpx.Response:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return bot.slack.click(
                    person, element["action_id"], element["value"], message=message, block_id=block["block_id"]
                )
    raise AssertionError(f"no button {label!r} on the message")


def test_an_nc_raised_from_a_message_over_socket_mode(running: Running) -> None:
    nc = _raise_from_message(running)
    assert nc.origin_id is not None  # the message was kept with the record
    card = _card(running, nc)
    assert card["channel"] == QMS_CHANNEL


def test_a_field_error_comes_back_in_the_ack(running: Running) -> None:
    running.slack.shortcut(ANNA, "raise_nc")
    running.wait(_opened(1), "views.open for the raise form")
    answer = running.slack.submit(ANNA, running.slack.last_view(), {**ANSWERS, "title": "   "})
    body = answer.json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"title"}
    assert "Enter the title" in body["errors"]["title"]
    assert running.nonconformities() == []


def test_the_supplier_picker_is_answered_in_the_ack(running: Running) -> None:
    running.slack.shortcut(ANNA, "raise_nc")
    running.wait(_opened(1), "views.open for the raise form")
    # An empty register: no options, in an answer Slack shows (the stand-in refuses any other).
    assert running.slack.suggest(ANNA, running.slack.last_view(), "supplier_pick", "ac") == []
    assert running.fake.refused == []


def test_a_card_button_opens_its_form_or_refuses(running: Running) -> None:
    nc = _raise_from_message(running)
    opened = len(running.fake.calls_to("views.open", ok=True))
    assert _press(running, QUINN, _card(running, nc), "Record containment").content == b""
    running.wait(_opened(opened + 1), "views.open for containment")
    assert running.slack.last_view()["callback_id"] == "nc_contain_submit"
    answered = len(running.fake.responses)
    _press(running, BEN, _card(running, nc), "Record containment")  # neither its owner nor a QMS manager
    if not running.fake.wait_until(lambda _: len(running.fake.responses) > answered, timeout=20):
        raise AssertionError("the refusal was not posted to the response_url:\n" + running.log.text()[-4000:])
    refusal = running.fake.responses[-1].args
    assert refusal["response_type"] == "ephemeral" and "QMS manager" in refusal["text"], refusal
    assert len(running.fake.calls_to("views.open", ok=True)) == opened + 1


def _zone_at_noon() -> str:
    """A timezone where it is now about noon: the welcome waits for working hours, this run does not."""
    offset = 12 - datetime.now(UTC).hour
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


def test_joining_the_qms_channel_is_welcomed_over_socket_mode(running: Running) -> None:
    # Someone new to the workspace: the bot warmed its directory at start, so a known person's
    # zone (Ben's London) would be the one it read then, and London is not always at work.
    nora = Person("U0NEWCOMER1", "nora")
    running.fake.add_user(nora.id, nora.name, real_name="Nora Lindqvist", tz=_zone_at_noon())
    joined = {"type": "member_joined_channel", "user": nora.id, "channel": QMS_CHANNEL, "channel_type": "C"}
    assert running.slack.event(joined).content == b""  # an Events API ack carries nothing
    running.wait(_posted(running.fake.dm_channel(nora.id)), "the welcome DM")
    [welcome] = running.fake.sent_messages(nora.id)
    assert "/qms help" in welcome["text"]
    [delivery] = running.fake.socket_mode.deliveries
    assert delivery.envelope["type"] == "events_api" and delivery.envelope["retry_attempt"] == 0


def test_a_refresh_in_the_middle_reconnects_and_the_next_envelope_is_handled(running: Running) -> None:
    first = running.slack.command(QUINN, "/qms", "help")
    assert "QMS bot commands" in first.json()["text"]
    running.fake.socket_mode.disconnect("refresh_requested")
    # A new URL for the new connection (the old one's ticket is spent), and only that one open.
    assert len(running.fake.calls_to("apps.connections.open", ok=True)) == 2
    assert running.fake.socket_mode.open_connections == 1 and running.fake.socket_mode.refused == []
    after = running.slack.command(QUINN, "/qms", "help")
    assert "QMS bot commands" in after.json()["text"]
    nc = _raise_from_message(running)
    assert nc.number


def test_a_url_serves_one_connection(running: Running) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    used = running.fake.calls_to("apps.connections.open", ok=True)[-1].response["url"]
    with pytest.raises(InvalidStatus) as refused:
        connect(used, open_timeout=5)
    assert refused.value.response.status_code == 401
    assert running.fake.socket_mode.open_connections == 1


# --- the health check of a Socket Mode deployment ---


def test_socket_mode_serves_health_on_qms_health_port(tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack() as fake:
        _workspace(fake)
        process = _start_bot(tmp_path, fake, QMS_HEALTH_PORT=str(port))
        try:
            wait_for_line(process, "serving health checks")
            Log().follow(process)
            health = httpx.get(f"http://127.0.0.1:{port}/healthz")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            assert httpx.get(f"http://127.0.0.1:{port}/slack/events").status_code == 404
            fake.socket_mode.wait_connected()
        finally:
            stop(process)


def test_health_is_off_unless_asked(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        _workspace(fake)
        process = _start_bot(tmp_path, fake)
        try:
            seen = wait_for_line(process, "started: Socket Mode")
            Log().follow(process)
            assert not any("health" in line for line in seen)
        finally:
            stop(process)


def test_a_health_port_in_use_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with FakeSlack() as fake, socket.socket() as taken:
        _workspace(fake)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = _start_bot(tmp_path, fake, QMS_HEALTH_PORT=str(taken.getsockname()[1]))
        _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("qms-bot: QMS_HEALTH_PORT: cannot listen on 127.0.0.1:")


def test_the_health_check_says_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'qms.db'}")
    server = make_server(health_app(db), "127.0.0.1", 0, threads=1)
    thread = threading.Thread(target=_serve_health, args=[server], daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/healthz"
    try:
        assert httpx.get(url).status_code == 200
        assert httpx.head(url).status_code == 200
        db.ping = lambda: False  # type: ignore[method-assign]
        down = httpx.get(url)
        assert (down.status_code, down.json()) == (503, {"status": "database unreachable"})
    finally:
        stop_server(server)
        thread.join(timeout=5)
        db.dispose()


def test_qms_health_port_is_off_by_default_and_checked() -> None:
    assert explicit_settings().health_port is None
    assert explicit_settings(health_port=8081).health_port == 8081
    with pytest.raises(ConfigError) as bad:
        explicit_settings(health_port=0)
    assert bad.value.lines[0].startswith("QMS_HEALTH_PORT:")


# --- the stand-in's side, with a bare WebSocket client ---


def test_the_stand_in_greets_sends_envelopes_and_keeps_late_acks() -> None:
    from websockets.sync.client import connect

    with FakeSlack() as fake:
        server = fake.socket_mode
        with connect(server.open_url(), open_timeout=5) as client:
            hello = json.loads(client.recv(timeout=5))
            assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": "A0QMSDEMO1"}
            server.wait_connected()
            unanswered = server.send(
                "events_api", {"type": "event_callback"}, retry_attempt=1, retry_reason="timeout", timeout=0.05
            )
            assert unanswered.ack is None and server.late == [unanswered]
            sent = json.loads(client.recv(timeout=5))
            assert sent == {
                "envelope_id": sent["envelope_id"],
                "payload": {"type": "event_callback"},
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 1,
                "retry_reason": "timeout",
            }

            def answer() -> None:
                envelope = json.loads(client.recv(timeout=5))
                client.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "hi"}}))

            replier = threading.Thread(target=answer)
            replier.start()
            answered = server.send("slash_commands", {"command": "/qms"}, accepts_response_payload=True)
            replier.join()
            assert answered.ack == {"envelope_id": answered.envelope["envelope_id"], "payload": {"text": "hi"}}
            assert server.late == [unanswered]
