"""The real Bolt app over HTTP, driven by signed Slack payloads, talking to the fake Slack."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import registry as commands
from bot.delivery.snooze import MAX_SNOOZES, snooze_modal
from bot.registry import Action, Callback
from bot.standin.sandbox import ANNA, BEN, LENA, QMS_CHANNEL, QUINN, Sandbox
from storage import outbox as rows
from storage.audit import history
from tests.flows import send_snoozable

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_help_lists_every_command_with_usage(sandbox: Sandbox) -> None:
    response = sandbox.slack.command(ANNA, "/qms", "help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    shown = texts(body["blocks"])
    for usage in commands.USAGES:
        assert usage.example in shown and usage.summary in shown
    assert sandbox.slack.command(ANNA, "/qms", "").json()["blocks"] == body["blocks"]


def test_an_unknown_subcommand_is_answered_with_help_and_escaped(sandbox: Sandbox) -> None:
    body = sandbox.slack.command(ANNA, "/qms", "<!channel> frobnicate").json()
    assert "I don't know" in body["text"]
    assert "<!channel>" not in json.dumps(body) and "&lt;!channel&gt;" in body["text"]


def test_requests_with_a_bad_or_old_signature_are_refused(sandbox: Sandbox) -> None:
    body = "command=%2Fqms&text=help&user_id=U0ANNA0001"
    assert sandbox.slack.post(body, "application/x-www-form-urlencoded", secret="0" * 32).status_code == 401
    stale = int(time.time()) - 10 * 60
    assert sandbox.slack.post(body, "application/x-www-form-urlencoded", timestamp=stale).status_code == 401
    unsigned = httpx.post(
        sandbox.slack.endpoint, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert unsigned.status_code == 401


def test_outbox_status_is_for_qms_managers_only(sandbox: Sandbox) -> None:
    sandbox.slack.command(ANNA, "/qms", "outbox")
    assert "Only QMS managers" in sandbox.slack.last_response()["text"]
    sandbox.slack.command(LENA, "/qms", "outbox")
    assert "Only QMS managers" in sandbox.slack.last_response()["text"]
    sandbox.slack.command(QUINN, "/qms", "outbox")
    answer = sandbox.slack.last_response()
    assert answer["text"].startswith("Nudge delivery:") and answer["response_type"] == "ephemeral"


def test_whoami_names_the_roles(sandbox: Sandbox) -> None:
    for person, role in ((ANNA, "employee"), (QUINN, "QMS manager"), (LENA, "leader")):
        sandbox.slack.command(person, "/qms", "whoami")
        assert f"You are: *{role}*" in sandbox.slack.last_response()["text"]


def test_managers_can_be_a_user_group(clock) -> None:  # type: ignore[no-untyped-def]
    with Sandbox(clock=clock, settings={"managers": ["S0QMSTEAM1"]}) as sb:
        sb.fake.add_usergroup("S0QMSTEAM1", [BEN.id])
        sb.slack.command(BEN, "/qms", "whoami")
        assert "QMS manager" in sb.slack.last_response()["text"]
        sb.slack.command(QUINN, "/qms", "whoami")
        assert "employee" in sb.slack.last_response()["text"]
        sb.slack.command(BEN, "/qms", "whoami")
        assert len(sb.fake.calls_to("usergroups.users.list")) == 1  # cached


def joined(person_id: str, channel: str = QMS_CHANNEL) -> dict:
    return {
        "type": "member_joined_channel",
        "user": person_id,
        "channel": channel,
        "channel_type": "C",
        "team": "T0QMSDEMO1",
    }


def test_a_retried_event_writes_once(sandbox: Sandbox) -> None:
    assert sandbox.slack.event(joined(BEN.id), event_id="Ev0JOIN0001").status_code == 200
    assert sandbox.slack.event(joined(BEN.id), event_id="Ev0JOIN0001", retry_num=1).status_code == 200
    assert sandbox.slack.event(joined(BEN.id), event_id="Ev0JOIN0001", retry_num=2).status_code == 200
    sandbox.ctx.sender.drain()
    [welcome] = sandbox.fake.sent_messages(BEN.id)
    assert "/qms help" in welcome["text"]


def test_joining_another_channel_or_a_bot_joining_is_not_welcomed(sandbox: Sandbox) -> None:
    sandbox.fake.add_user("U0BUILDBOT", "buildbot", is_bot=True)
    sandbox.slack.event(joined(BEN.id, "C0RANDOM01"))
    sandbox.slack.event(joined("U0BUILDBOT"))
    sandbox.ctx.sender.drain()
    assert sandbox.fake.sent_messages() == []


def snooze_value(message: dict) -> str:
    return next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == Action.SNOOZE
    )


def test_snoozing_requeues_the_nudge_with_the_reason_on_record(sandbox: Sandbox) -> None:
    message = send_snoozable(sandbox)
    sandbox.slack.click(ANNA, Action.SNOOZE, snooze_value(message), message=message)
    view = sandbox.slack.last_view()
    assert view["callback_id"] == Callback.SNOOZE and "NC-2026-0007" in texts(view["blocks"])

    refused = sandbox.slack.submit(ANNA, view, {"until": "1d", "reason": "   "})
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"reason": "Say why this can wait: the reason is kept on record."},
    }

    assert (
        sandbox.slack.submit(ANNA, view, {"until": "3d", "reason": "Waiting for the <supplier>'s 8D"}).status_code
        == 200
    )
    with sandbox.db.session() as session:
        again = rows.by_key(session, "action:7:due-3d:snoozed")
        trail = history(session, "nudge", "NC-2026-0007")
    assert again is not None and again.not_before == sandbox.clock.now().replace(day=28)
    assert [(e.actor, e.action, e.note) for e in trail] == [(ANNA.id, "snoozed", "Waiting for the <supplier>'s 8D")]
    [update] = sandbox.fake.calls_to("chat.update")
    assert update.args["ts"] == message["ts"]
    assert Action.SNOOZE not in texts(update.args["blocks"]) and "&lt;supplier&gt;" in texts(update.args["blocks"])

    # Submitting the same modal again (a double click) snoozes nothing twice; the modal closes.
    again_response = sandbox.slack.submit(ANNA, view, {"until": "3d", "reason": "again"})
    assert again_response.status_code == 200 and not again_response.content

    sandbox.clock.advance(days=3)  # Saturday: held for Anna's working week
    sandbox.ctx.sender.drain()
    assert len(sandbox.fake.sent_messages(ANNA.id)) == 1
    sandbox.clock.advance(days=2)  # Monday 10:00 in Berlin
    sandbox.ctx.sender.drain()
    assert len(sandbox.fake.sent_messages(ANNA.id)) == 2


def test_only_the_recipient_can_snooze(sandbox: Sandbox) -> None:
    message = send_snoozable(sandbox)
    sandbox.slack.click(QUINN, Action.SNOOZE, snooze_value(message), message=message)
    assert "Only the person this reminder was sent to" in sandbox.slack.last_response()["text"]
    assert sandbox.fake.calls_to("views.open") == []
    # A forged submission of the modal is refused on the server too.
    forged = {"type": "modal", "callback_id": Callback.SNOOZE, "private_metadata": snooze_value(message), "blocks": []}
    response = sandbox.slack.submit(QUINN, forged, {})
    assert response.json()["response_action"] == "errors"
    forged_view = snooze_modal(int(snooze_value(message)), None)
    response = sandbox.slack.submit(QUINN, forged_view, {"until": "1d", "reason": "not mine"})
    assert "Only the person" in response.json()["errors"]["until"]


def test_snoozing_is_capped(sandbox: Sandbox) -> None:
    key = "action:8:due-1d" + ":snoozed" * MAX_SNOOZES
    message = send_snoozable(sandbox, key)
    sandbox.slack.click(ANNA, Action.SNOOZE, snooze_value(message), message=message)
    assert f"snoozed {MAX_SNOOZES} times" in sandbox.slack.last_response()["text"]


def test_a_broken_snooze_value_gets_an_answer(sandbox: Sandbox) -> None:
    sandbox.slack.click(ANNA, Action.SNOOZE, "not-a-number")
    assert "broken" in sandbox.slack.last_response()["text"]
    sandbox.slack.click(ANNA, Action.SNOOZE, "999999")
    assert "no longer exists" in sandbox.slack.last_response()["text"]


def test_database_trouble_gets_a_friendly_answer(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def down(*a, **k):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(rows, "status_counts", down)
    sandbox.slack.command(QUINN, "/qms", "outbox")
    assert "database is not reachable" in sandbox.slack.last_response()["text"]


def test_healthz_reports_the_database(sandbox: Sandbox) -> None:
    ok = httpx.get(sandbox.url + "/healthz")
    assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
    sandbox.db.ping = lambda: False  # type: ignore[method-assign]
    down = httpx.get(sandbox.url + "/healthz")
    assert down.status_code == 503


def test_manifest_declares_exactly_what_the_code_registers(sandbox: Sandbox) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    features = manifest["features"]
    declared = {c["command"]: c for c in features.get("slash_commands", [])}
    assert set(declared) == {c.name for c in commands.SLASH_COMMANDS}
    for command in commands.SLASH_COMMANDS:
        assert declared[command.name]["description"] == command.description
        assert declared[command.name]["usage_hint"] == command.usage_hint
    shortcuts = {(s["callback_id"], s["type"]) for s in features.get("shortcuts", [])}
    assert shortcuts == {(s.callback_id, s.kind) for s in commands.SHORTCUTS}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(commands.EVENTS)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    # And the app really has a listener for each: Bolt answers 404 to what nobody handles.
    for command in commands.SLASH_COMMANDS:
        assert sandbox.slack.command(ANNA, command.name, "help").status_code == 200
    for shortcut in commands.SHORTCUTS:
        if shortcut.kind == "message":
            message = {"type": "message", "user": BEN.id, "text": "hello", "ts": "1764064800.000100"}
            response = sandbox.slack.message_shortcut(ANNA, shortcut.callback_id, message, "C0GENERAL01")
        else:
            response = sandbox.slack.shortcut(ANNA, shortcut.callback_id)
        assert response.status_code == 200
    for event in commands.EVENTS:
        assert sandbox.slack.event({"type": event, "user": ANNA.id, "channel": "C0X0000001"}).status_code == 200
    assert sandbox.slack.command(ANNA, "/not-ours").status_code == 404


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=400)
    | st.sampled_from(["<!channel>", "<!here> hi", "<@U0QUINN001>", "<https://evil.test|bank>", "`"])
)
def test_any_qms_text_gets_an_answer_and_pings_nobody(sandbox: Sandbox, text: str) -> None:
    response = sandbox.slack.command(ANNA, "/qms", text)
    assert response.status_code == 200
    if response.content:
        body = response.json()
        rendered = json.dumps(body)
        assert "<!" not in rendered and "<https://evil" not in rendered
        assert body["response_type"] == "ephemeral" and body["text"]
    else:
        assert sandbox.slack.last_response()["text"]


class _Listener(BaseHTTPRequestHandler):
    """Whatever URL a forger names as response_url: it must hear nothing."""

    heard: list[bytes] = []

    def do_POST(self) -> None:
        _Listener.heard.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def forgers_url() -> Iterator[str]:
    """A URL on loopback that records every POST it gets (in _Listener.heard)."""
    listener = ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    _Listener.heard = []
    yield f"http://127.0.0.1:{listener.server_address[1]}/hook"
    listener.shutdown()
    listener.server_close()


@pytest.mark.parametrize("timestamp", ["abc", "", "1796160869.323", "0x6b0e", "-1", "9" * 40])
def test_a_request_that_cannot_be_verified_gets_401_and_the_bot_calls_nobody(
    sandbox: Sandbox, forgers_url: str, timestamp: str
) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": ANNA.id},
        "response_url": forgers_url,
        "actions": [{"action_id": "x"}],
    }
    for body, kind in (
        (urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"),
        (
            urlencode({"command": "/nc", "text": "list", "user_id": ANNA.id, "response_url": forgers_url}),
            "application/x-www-form-urlencoded",
        ),
    ):
        calls = len(sandbox.fake.calls)
        headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
        answer = sandbox.slack.post(body, kind, headers=headers)
        assert answer.status_code == 401
        assert len(sandbox.fake.calls) == calls  # no Slack call either
    assert _Listener.heard == []


def test_the_error_handler_answers_no_response_url_of_a_request_bolt_could_not_verify(
    sandbox: Sandbox, forgers_url: str
) -> None:
    """Behind the HTTP gate as well: Bolt hands what its verifier raised on to the error handler."""
    from slack_bolt import BoltRequest

    body = urlencode({"command": "/nc", "text": "list", "user_id": ANNA.id, "response_url": forgers_url})
    headers = {"x-slack-request-timestamp": ["abc"], "x-slack-signature": ["v0=" + "0" * 64]}
    answer = sandbox.app.dispatch(BoltRequest(body=body, headers=headers))
    assert answer.status == 401
    assert _Listener.heard == []


def test_command_text_is_escaped_once(sandbox: Sandbox) -> None:
    # Slack sends what was typed with &, < and > escaped: `/qms <b> & co` arrives like this.
    answer = sandbox.slack.command(ANNA, "/qms", "&lt;b&gt; &amp; co").json()
    assert "`/qms &lt;b&gt; &amp; co`" in answer["text"]
    assert "&amp;lt;" not in json.dumps(answer) and "&amp;amp;" not in json.dumps(answer)
