"""A stand-in for Slack's Web API, served over real HTTP on loopback.

The tests and `qms-bot demo` point the bot's WebClient at it (SLACK_API_URL). It answers the
methods the bot uses with the shapes Slack documents, records every call with its
arguments, and can be told to fail a method, to delay it, or to rate-limit it with
429 + Retry-After. Rate-limit windows follow the clock it is given, so tests stay
deterministic: they move the clock instead of sleeping.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.standin import echoes, fakeauth
from bot.standin.blockkit import message_problems
from bot.standin.fakefiles import PRIVATE_PREFIX, SIGN_IN, Download, FileMethods
from bot.standin.fakeslack_methods import BOT_ID as BOT_ID
from bot.standin.fakeslack_methods import BOT_USER_ID as BOT_USER_ID
from bot.standin.fakeslack_methods import TEAM_DOMAIN as TEAM_DOMAIN
from bot.standin.fakeslack_methods import TEAM_ID as TEAM_ID
from bot.standin.fakeslack_methods import Refused, SlackError, WebApiMethods
from bot.standin.fakeworkspace import Workspace
from bot.standin.socketmode import SocketModeServer
from bot.workspace.clock import Clock, SystemClock
from bot.workspace.scopes import BOT_SCOPES

POLL_SECONDS = 0.01  # how soon serve_forever sees a shutdown

__all__ = ["BOT_ID", "BOT_USER_ID", "TEAM_DOMAIN", "TEAM_ID", "Call", "FakeSlack", "SlackError", "refusals"]

# (method, reasons, args) of every surface any FakeSlack in this process refused: the test
# harness fails a test during which one was added (tests/conftest.py).
Refusal = tuple[str, list[str], dict[str, Any]]
_REFUSED: list[Refusal] = []
_REFUSED_LOCK = threading.Lock()


def refusals() -> list[Refusal]:
    """Everything any FakeSlack in this process has refused so far (oldest first)."""
    with _REFUSED_LOCK:
        return list(_REFUSED)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: datetime
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Failure:
    error: str
    status: int
    times: int | None  # None: until cleared


@dataclass
class _Limit:
    limit: int
    per_seconds: float
    seen: deque[float] = field(default_factory=deque)


class FakeSlack(FileMethods, WebApiMethods, Workspace):
    def __init__(self, clock: Clock | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.clock = clock or SystemClock()
        self.host = host
        self.port = port
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response_url
        self.refused: list[Refusal] = []  # surfaces Slack would refuse: (method, reasons, args)
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.usergroup_handles: dict[str, str] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}  # the bot's uploads
        self.user_files: dict[str, dict[str, Any]] = {}  # people's uploads (fakefiles.py)
        self.downloads: list[Download] = []
        self._failures: dict[str, _Failure] = {}
        self._limits: dict[str, _Limit] = {}
        self._delays: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._called = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.socket_mode = SocketModeServer(host)  # started by the first apps.connections.open
        # What the installed app was granted (manifest.yml's scopes unless a test takes some
        # away) and the tokens Slack no longer accepts (fakeauth.py).
        self.granted_scopes: list[str] = list(BOT_SCOPES)
        self.rejected_tokens: set[str] = set()
        self.add_user(BOT_USER_ID, "qmsbot", real_name="QMS bot", is_bot=True)

    # --- lifecycle ---

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll: shutdown() waits until serve_forever next looks up, by default up to
        # half a second for every fake stopped.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.socket_mode.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self) -> str:
        return f"{self.base_url}/response/{next(self._ids)}"

    # --- behaviour switches ---

    def fail(self, method: str, error: str = "internal_error", *, status: int = 200, times: int | None = 1) -> None:
        """Answer `method` with `error` (HTTP `status`) the next `times` calls (None: until cleared)."""
        with self._lock:
            self._failures[method] = _Failure(error, status, times)

    def rate_limit(self, method: str, limit: int, per_seconds: float = 60.0) -> None:
        """Allow `limit` calls of `method` per window on the fake's clock, then 429 + Retry-After."""
        with self._lock:
            self._limits[method] = _Limit(limit, per_seconds)

    def delay(self, method: str, seconds: float) -> None:
        """Hold each answer to `method` for real seconds (for client timeout tests)."""
        with self._lock:
            self._delays[method] = seconds

    def reject_token(self, token: str) -> None:
        """Answer this token with invalid_auth from now on (revoked, or never issued)."""
        with self._lock:
            self.rejected_tokens.add(token)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self._limits.clear()
            self._delays.clear()

    # --- what happened ---

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        with self._lock:
            calls = [c for c in self.calls if c.method == method]
        if ok is not None:
            calls = [c for c in calls if bool(c.response.get("ok")) == ok]
        return calls

    def wait_for_call(self, method: str, timeout: float = 10.0) -> Call:
        """Block until `method` has been called (by another process or thread) and return the call."""
        with self._called:
            found = self._called.wait_for(lambda: any(c.method == method for c in self.calls), timeout)
            if not found:
                raise AssertionError(f"{method} was not called within {timeout} s")
            return next(c for c in self.calls if c.method == method)

    def wait_until(self, condition: Any, timeout: float = 10.0) -> bool:
        """Block until `condition(calls)` holds for the recorded calls (checked after each call)."""
        with self._called:
            return bool(self._called.wait_for(lambda: condition(self.calls), timeout))

    def sent_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            if channel is not None:
                return list(self.messages.get(self._dm_channel(channel) if channel[0] in "UW" else channel, []))
            return [m for msgs in self.messages.values() for m in msgs]

    def knows(self, slack_id: str) -> bool:
        """This workspace has a user, channel or user group with this ID."""
        with self._lock:
            return slack_id in self.users or slack_id in self.channels or slack_id in self.usergroups

    def dm_channel(self, user_id: str) -> str:
        return self._dm_channel(user_id)

    # --- HTTP plumbing ---

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if url.path.startswith("/response/"):
            if self._delays.get("response_url"):
                time.sleep(self._delays["response_url"])  # as slow as Slack's webhooks, when asked
            if not self._record_response(url.path, raw):
                # As Slack's webhooks answer malformed blocks: 400 with the error as the body.
                return self._reply(request, 400, b"invalid_blocks", "text/plain")
            return self._reply(request, 200, b"ok", "text/plain")
        if url.path.startswith("/upload/"):
            file_id = url.path.rsplit("/", 1)[-1]
            with self._lock:
                if file_id in self.files:
                    self.files[file_id]["content"] = raw
            return self._reply(request, 200, f"OK - {len(raw)}".encode(), "text/plain")
        if url.path.startswith(PRIVATE_PREFIX):
            with self._lock:
                status, content, headers = self.serve_private(url.path, request.headers.get("Authorization", ""))
            return self._reply(request, status, content, headers.pop("Content-Type", "text/plain"), headers)
        if url.path == SIGN_IN:
            return self._reply(request, 200, b"<html><body>Sign in to Slack</body></html>", "text/html")
        if not url.path.startswith("/api/"):
            return self._reply(request, 404, b"not found", "text/plain")
        method = url.path[len("/api/") :]
        args = self._parse_args(request, url.query, raw)
        status, body, headers = self._call(method, args, request.headers.get("Authorization", ""))
        self._reply(request, status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    @staticmethod
    def _parse_args(request: BaseHTTPRequestHandler, query: str, raw: bytes) -> dict[str, Any]:
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
        content_type = request.headers.get("Content-Type", "")
        if raw and "json" in content_type:
            args.update(json.loads(raw))
        elif raw:
            args.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        for key in ("blocks", "view", "files", "attachments"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        return args

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def _record_response(self, path: str, raw: bytes) -> bool:
        """Keep a response_url post; False (and kept in `refused`) when Slack would refuse its blocks."""
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw.decode(errors="replace")}
        reasons = message_problems(payload) if isinstance(payload, dict) else ["body: must be a JSON object"]
        with self._lock:
            if reasons:
                self._refuse("response_url", reasons, {"url": path, **payload})
                return False
            # Scanned before it is kept: a test that sees the post sees its echoes too.
            echoes.scan("response_url", payload, self.knows)
            self.responses.append(Call("response_url", {"url": path, **payload}, self.clock.now()))
        return True

    def _refuse(self, method: str, reasons: list[str], args: dict[str, Any]) -> None:
        refusal = (method, reasons, args)
        self.refused.append(refusal)
        with _REFUSED_LOCK:
            _REFUSED.append(refusal)

    def _call(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        delay = self._delays.get(method)
        if delay:
            time.sleep(delay)  # a real delay is the point: the client's timeout is under test
        with self._lock:
            call = Call(method, args, self.clock.now())
            self.calls.append(call)
            status, body, headers = self._answer(method, args, auth)
            call.status, call.response = status, body
            echoes.scan(method, args, self.knows)
            self._called.notify_all()
            return status, body, headers

    def _answer(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        refused = fakeauth.refused_token(method, fakeauth.bearer(auth), self.rejected_tokens)
        if refused is not None:
            return 200, {"ok": False, "error": refused}, {}
        status, body, headers = self._answer_authed(method, args)
        # As Slack: every answer to a valid token names the scopes it was granted.
        return status, body, {**fakeauth.scope_headers(method, self.granted_scopes), **headers}

    def _answer_authed(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        limit = self._limits.get(method)
        if limit is not None:
            now = self.clock.now().timestamp()
            while limit.seen and limit.seen[0] <= now - limit.per_seconds:
                limit.seen.popleft()
            if len(limit.seen) >= limit.limit:
                retry_after = max(1, math.ceil(limit.seen[0] + limit.per_seconds - now))
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            limit.seen.append(now)
        failure = self._failures.get(method)
        if failure is not None:
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del self._failures[method]
            return failure.status, {"ok": False, "error": failure.error}, {}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        needed = fakeauth.needed_scope(method, args, self.channels)
        if needed is not None and needed not in self.granted_scopes:
            return 200, fakeauth.missing_scope(needed, self.granted_scopes), {}
        try:
            return 200, {"ok": True, **handler(args)}, {}
        except SlackError as exc:
            if isinstance(exc, Refused):
                self._refuse(method, exc.reasons, args)
            body: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.messages:
                body["response_metadata"] = {"messages": exc.messages}
            return exc.status, body, {}
