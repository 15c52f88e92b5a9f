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

from bot.workspace.clock import Clock, SystemClock

TEAM_ID = "T0QMSDEMO1"
TEAM_DOMAIN = "qms-demo"
BOT_USER_ID = "U0QMSBOT01"
BOT_ID = "B0QMSBOT01"


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


class SlackError(Exception):
    def __init__(self, error: str, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class FakeSlack:
    def __init__(self, clock: Clock | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.clock = clock or SystemClock()
        self.host = host
        self.port = port
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response_url
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.usergroup_handles: dict[str, str] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, _Failure] = {}
        self._limits: dict[str, _Limit] = {}
        self._delays: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._called = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
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
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
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

    # --- the workspace ---

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        is_bot: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        from zoneinfo import ZoneInfo

        offset = self.clock.now().astimezone(ZoneInfo(tz)).utcoffset()
        real = real_name or name.title()
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {"real_name": real, "display_name": name, "team": TEAM_ID},
        }
        with self._lock:
            self.users[user_id] = user
        return user

    def add_usergroup(self, group_id: str, members: list[str], handle: str | None = None) -> None:
        with self._lock:
            self.usergroups[group_id] = list(members)
            self.usergroup_handles[group_id] = handle or group_id.lower()

    def add_channel(
        self, channel_id: str, name: str, members: list[str] | None = None, *, private: bool = False
    ) -> None:
        with self._lock:
            self.channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "members": list(members or []),
                "private": private,
            }

    def post_as(self, user_id: str, channel: str, text: str) -> dict[str, Any]:
        """A person's message in a channel, stored the way Slack stores it (entities escaped)."""
        stored = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        with self._lock:
            message = {
                "type": "message",
                "user": user_id,
                "text": stored,
                "ts": self._ts(),
                "team": TEAM_ID,
                "channel": channel,
            }
            self.messages[channel].append(message)
        return dict(message)

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

    def dm_channel(self, user_id: str) -> str:
        return self._dm_channel(user_id)

    # --- HTTP plumbing ---

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if url.path.startswith("/response/"):
            self._record_response(url.path, raw)
            return self._reply(request, 200, b"ok", "text/plain")
        if url.path.startswith("/upload/"):
            file_id = url.path.rsplit("/", 1)[-1]
            with self._lock:
                if file_id in self.files:
                    self.files[file_id]["content"] = raw
            return self._reply(request, 200, f"OK - {len(raw)}".encode(), "text/plain")
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

    def _record_response(self, path: str, raw: bytes) -> None:
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw.decode(errors="replace")}
        with self._lock:
            self.responses.append(Call("response_url", {"url": path, **payload}, self.clock.now()))

    def _call(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        delay = self._delays.get(method)
        if delay:
            time.sleep(delay)  # a real delay is the point: the client's timeout is under test
        with self._lock:
            call = Call(method, args, self.clock.now())
            self.calls.append(call)
            status, body, headers = self._answer(method, args, auth)
            call.status, call.response = status, body
            self._called.notify_all()
            return status, body, headers

    def _answer(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "apps.connections.open":
            if not auth.startswith("Bearer xapp-"):
                return 200, {"ok": False, "error": "invalid_auth"}, {}
        elif not auth.startswith("Bearer xox"):
            return 200, {"ok": False, "error": "not_authed"}, {}
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
        try:
            return 200, {"ok": True, **handler(args)}, {}
        except SlackError as exc:
            return exc.status, {"ok": False, "error": exc.error}, {}

    # --- helpers for the methods ---

    def _ts(self) -> str:
        return f"{int(self.clock.now().timestamp())}.{next(self._ids):06d}"

    def _dm_channel(self, user_id: str) -> str:
        return "D" + user_id[1:]

    def _resolve_channel(self, channel: str | None) -> str:
        if not channel:
            raise SlackError("channel_not_found")
        if channel[0] in "UW":
            user = self.users.get(channel)
            if user is None:
                raise SlackError("channel_not_found")
            if user["deleted"]:
                raise SlackError("user_disabled")
            return self._dm_channel(channel)
        if channel[0] == "D" or channel in self.channels:
            return channel
        raise SlackError("channel_not_found")

    def _require(self, args: dict[str, Any], *names: str) -> None:
        for name in names:
            if args.get(name) in (None, ""):
                raise SlackError("invalid_arguments")

    def _check_message(self, args: dict[str, Any]) -> None:
        blocks = args.get("blocks")
        if not args.get("text") and not blocks:
            raise SlackError("no_text")
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50):
            raise SlackError("invalid_blocks")
        if blocks:
            _check_blocks(blocks, "invalid_blocks")
        if len(str(args.get("text") or "")) > 40000:
            raise SlackError("msg_too_long")

    def _take_trigger(self, args: dict[str, Any]) -> None:
        trigger = args.get("trigger_id")
        if not trigger:
            raise SlackError("invalid_arguments")
        if trigger in self._used_triggers:
            raise SlackError("expired_trigger_id")
        self._used_triggers.add(trigger)

    def _view(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            raise SlackError("invalid_arguments")
        limit = 100
        if len(view.get("blocks", [])) > limit:
            raise SlackError("invalid_arguments")
        _check_blocks(view.get("blocks", []), "invalid_arguments")
        for part in ("title", "submit", "close"):
            if len(((view.get(part) or {}).get("text")) or "") > 24:
                raise SlackError("invalid_arguments")
        if len(view.get("private_metadata") or "") > 3000:
            raise SlackError("invalid_arguments")
        view_id = view_id or f"V{next(self._ids):010d}"
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "hash": f"{next(self._ids)}.{view_id}",
            "state": {"values": {}},
            "root_view_id": view_id,
            "app_id": "A0QMSDEMO1",
            "bot_id": BOT_ID,
            **view,
        }
        self.views[view_id] = stored
        return stored

    @staticmethod
    def _page(items: list[Any], args: dict[str, Any]) -> tuple[list[Any], str]:
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = items[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(items) else ""
        return page, next_cursor

    # --- the Web API methods (named _m_<method with dots as underscores>) ---

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "QMS Demo",
            "user": "qmsbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        # No WebSocket server here: the URL lets a test see that Socket Mode was chosen.
        return {"url": f"ws://{self.host}:{self.port}/socket-mode"}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        self._check_message(args)
        message = {
            "type": "message",
            "subtype": None,
            "text": args.get("text", ""),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": self._ts(),
            "team": TEAM_ID,
            "blocks": args.get("blocks") or [],
            "thread_ts": args.get("thread_ts"),
            "channel": channel,
            "to": args.get("channel"),
        }
        self.messages[channel].append(message)
        return {"channel": channel, "ts": message["ts"], "message": message}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel", "ts")
        channel = self._resolve_channel(args["channel"])
        for message in self.messages.get(channel, []):
            if message["ts"] == args["ts"]:
                self._check_message({**message, **args})
                if "text" in args:
                    message["text"] = args["text"]
                if "blocks" in args:
                    message["blocks"] = args["blocks"]
                message["edited"] = {"user": BOT_USER_ID, "ts": self._ts()}
                return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": message}
        raise SlackError("message_not_found")

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel", "user")
        self._resolve_channel(args["channel"])
        self._check_message(args)
        if args["user"] not in self.users:
            raise SlackError("user_not_found")
        ts = self._ts()
        self.ephemerals.append({**args, "message_ts": ts})
        return {"message_ts": ts}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel", "message_ts")
        channel = args["channel"]
        return {
            "channel": channel,
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{args['message_ts'].replace('.', '')}",
        }

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._take_trigger(args)
        return {"view": self._view(args.get("view"))}

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        self._take_trigger(args)
        return {"view": self._view(args.get("view"))}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id or view_id not in self.views:
            raise SlackError("not_found")
        old = self.views[view_id]
        if args.get("hash") and args["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._view(args.get("view"), view_id)}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "user_id")
        if args["user_id"] not in self.users:
            raise SlackError("user_not_found")
        view = self._view(args.get("view"))
        self.home_views[args["user_id"]] = view
        return {"view": view}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user}

    def _m_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        page, cursor = self._page(list(self.users.values()), args)
        return {
            "members": page,
            "cache_ts": int(self.clock.now().timestamp()),
            "response_metadata": {"next_cursor": cursor},
        }

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users") or "").split(",")
        if len(users) != 1 or users[0] not in self.users:
            raise SlackError("user_not_found")
        return {"channel": {"id": self._dm_channel(users[0])}}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel", "")
        if channel_id.startswith("D"):
            return {"channel": {"id": channel_id, "is_im": True, "is_private": True, "is_mpim": False}}
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        return {
            "channel": {
                "id": channel_id,
                "name": channel["name"],
                "is_channel": True,
                "is_im": False,
                "is_mpim": False,
                "is_private": channel["private"],
            }
        }

    def _m_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(args.get("channel", ""))
        if channel is None:
            raise SlackError("channel_not_found")
        page, cursor = self._page(channel["members"], args)
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _m_usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        groups = [
            {
                "id": gid,
                "team_id": TEAM_ID,
                "handle": handle,
                "name": handle.replace("-", " ").title(),
                "date_delete": 0,
                "user_count": len(self.usergroups[gid]),
            }
            for gid, handle in self.usergroup_handles.items()
        ]
        return {"usergroups": groups}

    def _m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(args.get("usergroup", ""))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": group}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "filename", "length")
        file_id = f"F{next(self._ids):010d}"
        self.files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"]), "content": None}
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        done = []
        for item in files:
            stored = self.files.get(item.get("id", ""))
            if stored is None or stored["content"] is None:
                raise SlackError("file_not_found")
            stored.update(
                title=item.get("title") or stored["name"],
                channel=args.get("channel_id") or args.get("channels"),
                initial_comment=args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
            )
            done.append({"id": stored["id"], "title": stored["title"], "name": stored["name"]})
        return {"files": done}


# Slack's per-element limits (Block Kit reference): a message or view breaking one is refused.
_TEXT_LIMITS = {"section": 3000, "header": 150}


def _check_blocks(blocks: list[Any], error: str) -> None:
    def bad(condition: bool) -> None:
        if condition:
            raise SlackError(error)

    for block in blocks:
        bad(not isinstance(block, dict))
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        bad(kind in _TEXT_LIMITS and len(text) > _TEXT_LIMITS[kind])
        bad(kind == "section" and not text and not block.get("fields"))
        fields = block.get("fields") or []
        bad(len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields))
        bad(kind == "context" and len(block.get("elements", [])) > 10)
        elements = block.get("elements", []) if kind == "actions" else []
        bad(len(elements) > 25)
        for element in elements + ([block["accessory"]] if block.get("accessory") else []):
            if element.get("type") == "button":
                bad(len(element.get("text", {}).get("text", "")) > 75 or len(element.get("value", "")) > 2000)
        if kind == "input":
            bad(len(block.get("label", {}).get("text", "")) > 2000)
            options = block.get("element", {}).get("options")
            bad(options is not None and len(options) > 100)
