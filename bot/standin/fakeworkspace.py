"""The fake Slack's workspace: the people, user groups, channels and messages a test sets up
(apart from fakeslack.py, which would pass 400 lines)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from bot.standin import echoes
from bot.standin.fakeslack_methods import TEAM_ID
from bot.workspace.clock import Clock


class Workspace:
    """Set-up methods of FakeSlack; the state they fill is FakeSlack's own."""

    clock: Clock
    _lock: threading.RLock | threading.Lock
    users: dict[str, dict[str, Any]]
    usergroups: dict[str, list[str]]
    usergroup_handles: dict[str, str]
    channels: dict[str, dict[str, Any]]
    messages: dict[str, list[dict[str, Any]]]

    if TYPE_CHECKING:  # FakeSlack's, from WebApiMethods: a message's ts

        def _ts(self) -> str: ...

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
        self, channel_id: str, name: str, members: list[str] | None = None, *, private: bool = False, flags: bool = True
    ) -> None:
        """A channel (a group DM when named `mpdm-…`, as Slack names them); `flags=False`: conversations.info
        answers it without the is_* booleans."""
        with self._lock:
            self.channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "members": list(members or []),
                "private": private or name.startswith("mpdm-"),
                "flags": flags,
            }

    def post_as(self, user_id: str, channel: str, text: str) -> dict[str, Any]:
        """A person's message in a channel, stored the way Slack stores it (entities escaped)."""
        echoes.note_typed(text)
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
