"""Files people upload in Slack, as the stand-in keeps them: files.info and private downloads.

A test "uploads" a file for a person with `add_file` (what Slack does when someone drops a
file into a modal's file_input), gets the file object Slack would put in the view's state,
and the bot then asks files.info and downloads `url_private` as it would from Slack.

As Slack does (docs.slack.dev, file object; "url_private … requires an authorization header
with a token that has files:read"): the download is served only to `Authorization: Bearer
<token>`; without it Slack answers with a redirect to its sign-in page, not with the file.
A file shared in a message (`post_files_as`) is described by files.info only when the bot can
see one of the conversations it is shared in (files:read: "files shared in channels and
conversations that your slack app has been added to"); else Slack answers file_not_found.
A mixin of `FakeSlack`, apart because fakeslack.py would pass 400 lines.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from bot.standin import echoes
from bot.standin.fakeslack_methods import BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, SlackError
from bot.workspace.clock import Clock

PRIVATE_PREFIX = "/files-pri/"
SIGN_IN = "/signin"
# filetype and pretty_type of the kinds tests use (Slack's own names).
_KINDS = {
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "application/pdf": ("pdf", "PDF"),
    "text/plain": ("text", "Plain Text"),
}


@dataclass
class Download:
    path: str
    authorization: str
    status: int


class FileMethods:
    clock: Clock
    _ids: itertools.count[int]
    # file id -> {"file": object, "content": bytes, "deleted": bool, "shared_in": channel ids}
    user_files: dict[str, dict[str, Any]]
    downloads: list[Download]
    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    messages: dict[str, list[dict[str, Any]]]

    if TYPE_CHECKING:

        @property
        def base_url(self) -> str: ...

        def _ts(self) -> str: ...

    def add_file(
        self, user: str, name: str, content: bytes, mimetype: str = "image/jpeg", *, size: int | None = None
    ) -> dict[str, Any]:
        """A file `user` uploaded; the file object as Slack gives it (in a view's state, in
        files.info). `size` may claim another size than the content's (a file too big to
        build in a test)."""
        file_id = f"F{next(self._ids):010d}"
        now = int(self.clock.now().timestamp())
        filetype, pretty = _KINDS.get(mimetype, ("binary", "Binary"))
        private = f"{self.base_url}{PRIVATE_PREFIX}{TEAM_ID}-{file_id}/{quote(name)}"
        file = {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": pretty,
            "user": user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": len(content) if size is None else size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private,
            "url_private_download": f"{self.base_url}{PRIVATE_PREFIX}{TEAM_ID}-{file_id}/download/{quote(name)}",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{quote(name)}",
            "permalink_public": f"https://slack-files.com/{TEAM_ID}-{file_id}-{hashlib.sha1(content).hexdigest()[:10]}",
            "has_rich_preview": False,
            "file_access": "visible",
        }
        self.user_files[file_id] = {"file": file, "content": content, "deleted": False, "shared_in": set()}
        return dict(file)

    def post_files_as(
        self,
        user: str,
        channel: str,
        text: str,
        files: list[tuple[str, bytes, str]],
        *,
        size: int | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A message in `channel` (in the thread of `thread_ts`) with files `user` uploaded into
        it, (name, content, mimetype) each, stored as Slack stores it (the objects in `files`)."""
        for typed in [text, *(name for name, _, _ in files)]:
            echoes.note_typed(typed)
        objects = [self.add_file(user, name, content, mimetype, size=size) for name, content, mimetype in files]
        for file in objects:
            self.user_files[file["id"]]["shared_in"].add(channel)
        message = {
            "type": "message",
            "subtype": "file_share" if not text else None,
            "user": user,
            "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
            "ts": self._ts(),
            "team": TEAM_ID,
            "channel": channel,
            "thread_ts": thread_ts,
            "files": objects,
            "upload": True,
        }
        message = {k: v for k, v in message.items() if v is not None}
        self.messages[channel].append(message)
        return dict(message)

    def _hidden(self, kept: dict[str, Any]) -> bool:
        """Whether the file is shared only where the bot was not added (a file dropped into one of
        its modals is shared with it): a channel it is no member of, or a DM not its own."""
        return bool(kept["shared_in"]) and not any(self._bot_sees(channel) for channel in kept["shared_in"])

    def _bot_sees(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        if channel is not None:
            return BOT_USER_ID in channel["members"]
        return any("D" + user_id[1:] == channel_id for user_id in self.users)

    def delete_file(self, file_id: str) -> None:
        """Someone deleted the file in Slack: files.info says so, the download is gone."""
        self.user_files[file_id]["deleted"] = True

    def _m_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("file"):
            raise SlackError("invalid_arguments")
        kept = self.user_files.get(str(args["file"]))
        if kept is None:
            raise SlackError("file_not_found")
        if kept["deleted"]:
            raise SlackError("file_deleted")
        if self._hidden(kept):
            raise SlackError("file_not_found")  # as Slack says it of a file the bot may not see
        return {"file": dict(kept["file"]), "comments": [], "response_metadata": {"next_cursor": ""}}

    def serve_private(self, path: str, authorization: str) -> tuple[int, bytes, dict[str, str]]:
        """A GET of a url_private(_download): (status, body, headers)."""
        parts = path[len(PRIVATE_PREFIX) :].split("/")
        file_id = parts[0].removeprefix(f"{TEAM_ID}-")
        kept = self.user_files.get(file_id)
        if not authorization.startswith("Bearer xox"):
            # Slack sends a browser without a token to its sign-in page, with a 302.
            self.downloads.append(Download(path, authorization, 302))
            return 302, b"", {"Location": f"{self.base_url}{SIGN_IN}?redir={quote(path)}"}
        if kept is None or kept["deleted"] or self._hidden(kept) or unquote(parts[-1]) != kept["file"]["name"]:
            self.downloads.append(Download(path, authorization, 404))
            return 404, b"file not found", {"Content-Type": "text/plain"}
        self.downloads.append(Download(path, authorization, 200))
        return 200, kept["content"], {"Content-Type": kept["file"]["mimetype"]}
