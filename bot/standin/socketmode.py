"""Slack's side of Socket Mode for the stand-in: the WebSocket that `apps.connections.open` points at.

Slack sends every payload (a slash command, an interactive payload, an Events API delivery) as an
envelope over the app's WebSocket: `{"envelope_id", "type", "payload", "accepts_response_payload"}`,
with `retry_attempt` and `retry_reason` on Events API deliveries. The app acks each one with
`{"envelope_id": ..., "payload": {...}}` (the payload only where the envelope accepts one: slash
commands, view submissions, block suggestions) within 3 seconds. A new connection is greeted with
`hello`; `{"type": "disconnect", "reason": "refresh_requested"}` asks the app to open a new one,
which it does by calling apps.connections.open again and connecting to the URL it gets.

Stricter than nothing, as Slack is: a URL is good for one connection (its ticket is used up), so a
client that reconnects without asking for a new URL is refused at the handshake; an ack after 3 s,
or none, is kept in `late` and the sender told so.

Served by the `websockets` package's threaded server (a test dependency: it is imported when the
first URL is handed out, so `qms-bot demo`, which never opens Socket Mode, does not need it).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

ACK_SECONDS = 3.0  # Slack's limit for acknowledging an envelope
# The types of interactive payload whose ack may carry a response (response_action, options).
RESPONDING_INTERACTIONS = ("view_submission", "block_suggestion")


@dataclass
class Delivery:
    envelope: dict[str, Any]
    sent_at: float  # time.monotonic()
    ack: dict[str, Any] | None = None
    acked_after: float | None = None  # seconds


class SocketModeServer:
    def __init__(self, host: str = "127.0.0.1", app_id: str = "A0QMSDEMO1") -> None:
        self.host = host
        self.port = 0
        self.app_id = app_id
        self.deliveries: list[Delivery] = []
        self.late: list[Delivery] = []  # acked after ACK_SECONDS, or not at all
        self.refused: list[str] = []  # handshakes with a ticket never issued or already used
        self.hellos = 0  # connections greeted so far
        self._tickets: set[str] = set()
        self._links: list[ServerConnection] = []  # open connections, the newest last
        self._changed = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def open_url(self) -> str:
        """A fresh URL for one connection: what apps.connections.open answers."""
        with self._changed:
            if self._server is None:
                self._start()
            ticket = uuid.uuid4().hex
            self._tickets.add(ticket)
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _start(self) -> None:
        from websockets.sync.server import serve

        # Slack pings nobody: the client pings (slack_sdk every few seconds) and this answers.
        self._server = serve(self._serve, self.host, 0, process_request=self._check_ticket, ping_interval=None)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack-socket", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._changed:
            server, self._server = self._server, None
            links = list(self._links)
        for link in links:
            link.close()
        if server is not None:
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- what a test does ---

    def wait_connected(self, hellos: int = 1, timeout: float = 30.0) -> None:
        """Block until `hellos` connections have been greeted in all (and one is open)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.hellos >= hellos and self._links, timeout):
                raise AssertionError(f"the app had opened {self.hellos} Socket Mode connection(s), not {hellos}")

    def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = ACK_SECONDS,
    ) -> Delivery:
        """Send one envelope on the newest connection and wait for its ack.

        Returns the delivery; `ack` is None when none came within `timeout` (then it is in `late`).
        """
        envelope: dict[str, Any] = {
            "envelope_id": f"{uuid.uuid4()}",
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason or "")
        with self._changed:
            if not self._links:
                raise AssertionError("the app has no Socket Mode connection open")
            link = self._links[-1]
            delivery = Delivery(envelope, time.monotonic())
            self.deliveries.append(delivery)
        link.send(json.dumps(envelope))
        with self._changed:
            self._changed.wait_for(lambda: delivery.ack is not None, timeout)
            if delivery.ack is None or (delivery.acked_after or 0) > ACK_SECONDS:
                self.late.append(delivery)
        return delivery

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 30.0) -> None:
        """Ask the app to reconnect, as Slack does before it recycles a connection.

        Returns when the app has opened a new connection and closed the old one.
        """
        with self._changed:
            if not self._links:
                raise AssertionError("the app has no Socket Mode connection open")
            link, greeted = self._links[-1], self.hellos
        link.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}))
        with self._changed:
            reconnected = self._changed.wait_for(
                lambda: self.hellos > greeted and self._links and link not in self._links, timeout
            )
        if not reconnected:
            raise AssertionError(f"the app did not reconnect within {timeout} s of disconnect ({reason})")

    @property
    def open_connections(self) -> int:
        with self._changed:
            return len(self._links)

    # --- the WebSocket side ---

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlparse(request.path).query).get("ticket", [""])[0]
        with self._changed:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
            self.refused.append(request.path)
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket: call apps.connections.open\n")

    def _serve(self, link: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        with self._changed:
            self._links.append(link)
            hello["num_connections"] = len(self._links)
        try:
            link.send(json.dumps(hello))
            with self._changed:
                self.hellos += 1
                self._changed.notify_all()
            for message in link:
                self._acked(message)
        except Exception:  # a connection that breaks off ends like one that closes
            pass
        finally:
            with self._changed:
                self._links.remove(link)
                self._changed.notify_all()

    def _acked(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            return
        if not isinstance(ack, dict):
            return
        with self._changed:
            for delivery in self.deliveries:
                if delivery.envelope["envelope_id"] == ack.get("envelope_id") and delivery.ack is None:
                    delivery.ack = ack
                    delivery.acked_after = time.monotonic() - delivery.sent_at
                    self._changed.notify_all()
