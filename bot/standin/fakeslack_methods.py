"""The Slack Web API methods the stand-in answers, and the Block Kit limits it checks.

Apart from `fakeslack.py` (the HTTP server, the workspace and the switches) because together
they would pass 400 lines. `WebApiMethods` is a mixin of `FakeSlack`: each method is
`_m_<method with dots as underscores>` and answers with the shapes Slack documents, or
raises SlackError with Slack's error code.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from bot.standin.blockkit import message_problems, view_problems
from bot.workspace.clock import Clock

if TYPE_CHECKING:
    from bot.standin.socketmode import SocketModeServer

TEAM_ID = "T0QMSDEMO1"
TEAM_DOMAIN = "qms-demo"
BOT_USER_ID = "U0QMSBOT01"
BOT_ID = "B0QMSBOT01"


class SlackError(Exception):
    def __init__(self, error: str, status: int = 200, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.messages = messages  # Slack's response_metadata.messages, for a refused surface


class Refused(SlackError):
    """A surface Slack would refuse: answered with `error` and the reasons, and recorded."""

    def __init__(self, error: str, reasons: list[str]) -> None:
        super().__init__(error, messages=[f"[ERROR] {reason}" for reason in reasons])
        self.reasons = reasons


class WebApiMethods:
    # The workspace state, set up by FakeSlack.__init__; the methods are called under its lock.
    clock: Clock
    host: str
    port: int
    users: dict[str, dict[str, Any]]
    usergroups: dict[str, list[str]]
    usergroup_handles: dict[str, str]
    channels: dict[str, dict[str, Any]]
    messages: dict[str, list[dict[str, Any]]]
    ephemerals: list[dict[str, Any]]
    views: dict[str, dict[str, Any]]
    home_views: dict[str, dict[str, Any]]
    files: dict[str, dict[str, Any]]
    _used_triggers: set[str]
    _ids: itertools.count[int]
    socket_mode: SocketModeServer

    if TYPE_CHECKING:

        @property
        def base_url(self) -> str: ...

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
        missing = [name for name in names if args.get(name) in (None, "")]
        if missing:
            raise SlackError("invalid_arguments", messages=[f"[ERROR] missing required field: {n}" for n in missing])

    def _visible_channel(self, channel_id: str) -> dict[str, Any]:
        """A channel the bot can see: public, or private with the bot a member (else channel_not_found)."""
        channel = self.channels.get(channel_id)
        if channel is None or (channel["private"] and BOT_USER_ID not in channel["members"]):
            raise SlackError("channel_not_found")
        return channel

    def _check_message(self, args: dict[str, Any]) -> None:
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            raise SlackError("no_text")
        reasons = message_problems(args)
        if reasons:
            raise Refused("invalid_blocks", reasons)
        if len(str(args.get("text") or "")) > 40000:
            raise SlackError("msg_too_long")

    def _take_trigger(self, args: dict[str, Any]) -> None:
        self._require(args, "trigger_id", "view")
        trigger = args["trigger_id"]
        if trigger in self._used_triggers:
            raise SlackError("expired_trigger_id")
        self._used_triggers.add(trigger)

    def _view(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        if view is None:
            raise SlackError("invalid_arguments")
        reasons = view_problems(view)
        if reasons:
            raise Refused("invalid_arguments", reasons)
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
        return {"url": self.socket_mode.open_url()}  # a URL for one connection, as Slack's

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel")
        channel = self._resolve_channel(args["channel"])
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
        channel = self._resolve_channel(args["channel"])
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
        self._require(args, "view")
        view_id = args.get("view_id")
        if not view_id and not args.get("external_id"):
            raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: view_id or external_id"])
        if not view_id or view_id not in self.views:
            raise SlackError("not_found")
        old = self.views[view_id]
        if args.get("hash") and args["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._view(_keep_entries(old, args.get("view")), view_id)}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "user_id", "view")
        if args["user_id"] not in self.users:
            raise SlackError("user_not_found")
        view = self._view(args.get("view"))
        self.home_views[args["user_id"]] = view
        return {"view": view}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "user")
        user = self.users.get(args["user"])
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
        self._require(args, "users")
        users = str(args["users"]).split(",")
        if len(users) != 1 or users[0] not in self.users:
            raise SlackError("user_not_found")
        return {"channel": {"id": self._dm_channel(users[0])}}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel")
        channel_id = args["channel"]
        if channel_id.startswith("D"):
            return {"channel": self._im(channel_id)}
        channel = self._visible_channel(channel_id)
        answer: dict[str, Any] = {"id": channel_id, "name": channel["name"], "created": 1700000000}
        if not channel["flags"]:
            return {"channel": answer}
        # As Slack's conversation object: a private channel from before March 2021 (a G… ID) is
        # a "group", not a "channel"; one made since has a C… ID and is_channel true.
        group_dm = channel["name"].startswith("mpdm-")
        legacy_group = channel_id.startswith("G") and not group_dm
        answer.update(
            is_channel=not group_dm and not legacy_group,
            is_group=legacy_group,
            is_im=False,
            is_mpim=group_dm,
            is_private=channel["private"],
            is_member=BOT_USER_ID in channel["members"],
        )
        return {"channel": answer}

    def _im(self, channel_id: str) -> dict[str, Any]:
        """A DM the bot can see is its own with a person (Slack's IM object has no is_private)."""
        user_id = next((u for u in self.users if self._dm_channel(u) == channel_id), None)
        if user_id is None:
            raise SlackError("channel_not_found")  # a DM between two people: the bot is in neither
        return {
            "id": channel_id,
            "created": 1700000000,
            "is_im": True,
            "is_org_shared": False,
            "user": user_id,
            "is_user_deleted": bool(self.users[user_id]["deleted"]),
            "priority": 0,
        }

    def _m_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel")
        channel = self._visible_channel(args["channel"])
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
        self._require(args, "usergroup")
        group = self.usergroups.get(args["usergroup"])
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


def _keep_entries(old: dict[str, Any], new: Any) -> Any:
    """views.update keeps what an input held when the new view has an input with the same
    block_id and action_id: a new initial value there is not shown (Slack's "preserving input
    entry"). People's typing is not modelled, so what an input held is its initial value."""
    if not isinstance(new, dict) or not isinstance(new.get("blocks"), list):
        return new
    held = {
        (b.get("block_id"), b["element"].get("action_id")): b["element"]
        for b in old.get("blocks", [])
        if b.get("type") == "input" and isinstance(b.get("element"), dict)
    }
    blocks = []
    for block in new["blocks"]:
        element = block.get("element") if isinstance(block, dict) and block.get("type") == "input" else None
        before = held.get((block.get("block_id"), element.get("action_id"))) if isinstance(element, dict) else None
        if before is not None and isinstance(element, dict):
            kept = {k: v for k, v in element.items() if not k.startswith("initial_")}
            kept.update({k: v for k, v in before.items() if k.startswith("initial_")})
            block = {**block, "element": kept}
        blocks.append(block)
    return {**new, "blocks": blocks}
