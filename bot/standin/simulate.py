"""Slack-shaped requests to the bot over HTTP, signed the way Slack signs them, or as Socket Mode envelopes.

Used by the tests and the demo: slash commands, block actions, view submissions,
shortcuts and Events API deliveries (with Slack's retry headers), each built with the
fields Slack sends. `SocketSimulator` sends the same payloads over the stand-in's
Socket Mode WebSocket instead.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.standin import echoes, suggestions
from bot.standin.fakeslack import TEAM_DOMAIN, TEAM_ID, FakeSlack
from bot.standin.socketmode import ACK_SECONDS, RESPONDING_INTERACTIONS
from bot.standin.viewstate import view_state

API_APP_ID = "A0QMSDEMO1"
VERIFICATION_TOKEN = "legacy-verification-token"


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to every HTTP request (v0 signature)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class Person:
    id: str
    name: str


class Simulator:
    def __init__(self, endpoint: str, signing_secret: str, fake: FakeSlack, timeout: float = 15.0) -> None:
        self.endpoint = endpoint
        self.secret = signing_secret
        self.fake = fake
        # Plain HTTP on loopback: no TLS, so no certificate store to load for every client.
        self.http = httpx.Client(timeout=timeout, verify=False)
        self._ids = itertools.count(1)

    def close(self) -> None:
        self.http.close()

    # --- low level ---

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        all_headers = {"Content-Type": content_type, **sign(secret or self.secret, body, timestamp), **(headers or {})}
        echoes.note_request(body, content_type)
        answer = self.http.post(self.endpoint, content=body.encode(), headers=all_headers)
        if answer.headers.get("content-type", "").startswith("application/json") and answer.content:
            try:
                echoes.scan("ack", answer.json(), self.fake.knows)
            except ValueError:
                pass  # not JSON after all: no surface to scan
        return answer

    # --- how a payload travels (HTTP here; SocketSimulator sends envelopes instead) ---

    def _command(self, fields: dict[str, str]) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def _interactive(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def _event(self, body: dict[str, Any], retry_num: int | None) -> httpx.Response:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(body), "application/json", headers)

    def trigger_id(self) -> str:
        return f"{next(self._ids)}.{TEAM_ID}.{hashlib.md5(str(time.time_ns()).encode()).hexdigest()}"

    def _user(self, person: Person) -> dict[str, Any]:
        return {"id": person.id, "username": person.name, "name": person.name, "team_id": TEAM_ID}

    def _team(self) -> dict[str, Any]:
        return {"id": TEAM_ID, "domain": TEAM_DOMAIN}

    # --- what people do ---

    def command(self, person: Person, command: str, text: str = "", channel: str = "C0GENERAL01") -> httpx.Response:
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": "general",
            "user_id": person.id,
            "user_name": person.name,
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(),
            "trigger_id": self.trigger_id(),
        }
        return self._command(fields)

    def click(
        self,
        person: Person,
        action_id: str,
        value: str,
        *,
        message: dict[str, Any] | None = None,
        block_id: str = "actions",
    ) -> httpx.Response:
        """A button click on a message the bot sent (`message` as the fake recorded it)."""
        return self._interactive(self._click_payload(person, action_id, value, message, block_id))

    def _click_payload(
        self, person: Person, action_id: str, value: str, message: dict[str, Any] | None, block_id: str
    ) -> dict[str, Any]:
        channel = (message or {}).get("channel", "D" + person.id[1:])
        return {
            "type": "block_actions",
            "user": self._user(person),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": {
                "type": "message",
                "message_ts": (message or {}).get("ts"),
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "directmessage"},
            "message": message or {},
            "state": {"values": {}},
            "response_url": self.fake.response_url(),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def choose(
        self, person: Person, action_id: str, value: str, *, message: dict[str, Any], block_id: str
    ) -> httpx.Response:
        """Choose an option in a message's static select (a checklist line's answer, say)."""
        payload = json.loads(json.dumps(self._click_payload(person, action_id, value, message, block_id)))
        payload["actions"][0].update(
            {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            }
        )
        del payload["actions"][0]["value"]
        return self._interactive(payload)

    def click_in_home(self, person: Person, action_id: str, value: str) -> httpx.Response:
        """A button click in the App Home tab: a view container and no response_url."""
        payload = {
            "type": "block_actions",
            "user": self._user(person),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": {"type": "view", "view_id": "V0HOME0001"},
            "trigger_id": self.trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "view": {"id": "V0HOME0001", "type": "home", "blocks": []},
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "home",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self._interactive(payload)

    def submit(self, person: Person, view: dict[str, Any], answers: dict[str, Any]) -> httpx.Response:
        """Submit a modal the bot opened, answering input blocks by block_id; an input left
        untouched sends its initial value, as Slack's view state does."""
        state = view_state(view, answers)
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(person),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.trigger_id(),
            "view": {**view, "state": {"values": state}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._interactive(payload)

    def suggest(self, person: Person, view: dict[str, Any], block_id: str, typed: str) -> list[dict[str, Any]]:
        """Type into an open modal's external select: the options Slack shows (bot.standin.suggestions)."""
        return suggestions.suggest(self, person, view, block_id, typed)

    def shortcut(self, person: Person, callback_id: str) -> httpx.Response:
        return self._interactive(
            {
                "type": "shortcut",
                "token": VERIFICATION_TOKEN,
                "action_ts": f"{time.time():.6f}",
                "team": self._team(),
                "user": self._user(person),
                "is_enterprise_install": False,
                "enterprise": None,
                "callback_id": callback_id,
                "trigger_id": self.trigger_id(),
            }
        )

    def message_shortcut(
        self, person: Person, callback_id: str, message: dict[str, Any], channel: str
    ) -> httpx.Response:
        return self._interactive(
            {
                "type": "message_action",
                "token": VERIFICATION_TOKEN,
                "action_ts": f"{time.time():.6f}",
                "team": self._team(),
                "user": self._user(person),
                "channel": {"id": channel, "name": "general"},
                "is_enterprise_install": False,
                "enterprise": None,
                "callback_id": callback_id,
                "trigger_id": self.trigger_id(),
                "response_url": self.fake.response_url(),
                "message_ts": message["ts"],
                "message": {"type": "message", **message},
            }
        )

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> httpx.Response:
        event_id = event_id or f"Ev{next(self._ids):010d}"
        body = {
            "token": VERIFICATION_TOKEN,
            "team_id": TEAM_ID,
            "api_app_id": API_APP_ID,
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": "U0QMSBOT01",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event_id}",
        }
        return self._event(body, retry_num)

    # --- what the bot showed ---

    def last_view(self) -> dict[str, Any]:
        opened = [
            c
            for c in self.fake.calls
            if c.method in ("views.open", "views.push", "views.update") and c.response.get("ok")
        ]
        if not opened:
            raise AssertionError("the bot opened no modal")
        return opened[-1].response["view"]

    def last_response(self) -> dict[str, Any]:
        if not self.fake.responses:
            raise AssertionError("the bot posted nothing to a response_url")
        return self.fake.responses[-1].args


class SocketSimulator(Simulator):
    """The same payloads, sent as Socket Mode envelopes over the stand-in's WebSocket.

    Each answer is the envelope's ack dressed as the HTTP answer Bolt gives in HTTP mode: status
    200, the ack's payload as the JSON body (empty when there is none, or when the envelope does
    not accept one: Slack ignores it then), so a flow reads both transports alike. No ack within
    3 s fails the test, since Slack would show the person an error.
    """

    def __init__(self, fake: FakeSlack, ack_seconds: float = ACK_SECONDS) -> None:
        super().__init__("(Socket Mode)", "", fake)
        self.socket = fake.socket_mode
        self.ack_seconds = ack_seconds

    def post(self, *args: Any, **kwargs: Any) -> httpx.Response:
        raise TypeError("Socket Mode carries no signed HTTP requests: send envelopes")

    def _command(self, fields: dict[str, str]) -> httpx.Response:
        return self._send("slash_commands", dict(fields), accepts=True)

    def _interactive(self, payload: dict[str, Any]) -> httpx.Response:
        return self._send("interactive", payload, accepts=payload.get("type") in RESPONDING_INTERACTIONS)

    def _event(self, body: dict[str, Any], retry_num: int | None) -> httpx.Response:
        retry = (retry_num, "http_timeout") if retry_num is not None else (0, "")
        return self._send("events_api", body, accepts=False, retry=retry)

    def _send(
        self, kind: str, payload: dict[str, Any], *, accepts: bool, retry: tuple[int, str] | None = None
    ) -> httpx.Response:
        echoes.note_payload(payload)
        delivery = self.socket.send(
            kind,
            payload,
            accepts_response_payload=accepts,
            retry_attempt=retry[0] if retry else None,
            retry_reason=retry[1] if retry else None,
            timeout=self.ack_seconds,
        )
        if delivery.ack is None:
            raise AssertionError(f"no ack within {self.ack_seconds} s for {kind} {json.dumps(payload)[:300]}")
        answer = delivery.ack.get("payload") if accepts else None
        if answer is None:
            return httpx.Response(200)
        echoes.scan("ack", answer, self.fake.knows)
        return httpx.Response(200, json=answer)
