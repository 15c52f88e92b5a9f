"""Who people are in Slack: timezone, bot or person, active or deactivated; group members.

users.info is Tier 4 and usergroups.users.list Tier 2, so answers are cached for a while;
a person's timezone or a group's membership rarely changes within the hour. A background job
keeps the directory warm (`warm`): the workspace's people and the groups the roles name are
fetched ahead of need, so a form's checks before its 3-second ack find them without asking
Slack, and when Slack cannot answer a refresh, what was known before is used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.workspace.clock import Clock

log = logging.getLogger(__name__)

PERSON_TTL = timedelta(hours=6)
GROUP_TTL = timedelta(minutes=10)
WORKSPACE_TTL = timedelta(minutes=10)
# users.list is Tier 2 (about 20 calls a minute) at 200 people a page: a 5,000-person
# workspace is 25 pages, so the people are fetched every half hour, the groups every 5 minutes.
WARM_PEOPLE_EVERY = timedelta(minutes=30)
WARM_GROUPS_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    tz: str | None
    is_bot: bool
    deleted: bool

    @property
    def can_be_assigned(self) -> bool:
        return not self.is_bot and not self.deleted


class Directory:
    def __init__(self, client: WebClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock
        self._people: dict[str, tuple[datetime, Person | None]] = {}
        self._groups: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._workspace: tuple[datetime, dict[str, Person]] | None = None
        self._group_list: tuple[datetime, list[tuple[str, str]]] | None = None
        self._lock = threading.Lock()

    def person(self, user_id: str) -> Person | None:
        """The person, or None when Slack does not know the ID. Other Slack errors raise,
        unless the person was known before (then that is the answer)."""
        now = self._clock.now()
        with self._lock:
            cached = self._people.get(user_id)
        if cached and now - cached[0] < PERSON_TTL:
            return cached[1]
        try:
            person: Person | None = _person(self._client.users_info(user=user_id)["user"])
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                return _stale(cached, exc, f"person {user_id}")
            person = None
        except (SlackClientError, OSError) as exc:
            return _stale(cached, exc, f"person {user_id}")
        with self._lock:
            self._people[user_id] = (now, person)
        return person

    def everyone(self) -> dict[str, Person]:
        """Every member of the workspace, bots and deactivated included, by ID.

        users.list (Tier 2) returns up to 200 people a page: a 1,000-person audience takes
        five calls, where users.info would take a thousand.
        """
        now = self._clock.now()
        with self._lock:
            cached = self._workspace
        if cached and now - cached[0] < WORKSPACE_TTL:
            return cached[1]
        return self._fetch_everyone(now)

    def _fetch_everyone(self, now: datetime) -> dict[str, Person]:
        people: dict[str, Person] = {}
        cursor = None
        while True:
            page = self._client.users_list(limit=200, cursor=cursor)
            for user in page["members"]:
                people[user["id"]] = _person(user)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        with self._lock:
            self._workspace = (now, people)
            for person in people.values():
                self._people[person.id] = (now, person)
        return people

    def warm(self, groups: Iterable[str]) -> None:
        """Fetch the workspace's people and these groups' members ahead of need (a background
        job: see WARM_*_EVERY). A failure is logged; the next run tries again."""
        now = self._clock.now()
        with self._lock:
            fetched = self._workspace[0] if self._workspace else None
        try:
            if fetched is None or now - fetched >= WARM_PEOPLE_EVERY:
                self._fetch_everyone(now)
            for group in groups:
                self._fetch_group(group, now)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("could not refresh the people directory from Slack: %s", exc)

    def channel_members(self, channel_id: str) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            page = self._client.conversations_members(channel=channel_id, limit=500, cursor=cursor)
            members += page["members"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    def user_groups(self) -> list[tuple[str, str]]:
        """(ID, "@handle — name") of the workspace's user groups, for a select."""
        now = self._clock.now()
        with self._lock:
            cached = self._group_list
        if cached and now - cached[0] < GROUP_TTL:
            return cached[1]
        groups = [
            (g["id"], f"@{g.get('handle') or g['id']} — {g.get('name') or ''}".rstrip(" —"))
            for g in self._client.usergroups_list()["usergroups"]
            if not g.get("date_delete")
        ]
        with self._lock:
            self._group_list = (now, groups)
        return groups

    def name(self, user_id: str) -> str:
        """A person's name for plain text; the ID itself if Slack cannot say."""
        try:
            person = self.person(user_id)
        except SlackApiError:
            return user_id
        return person.name if person else user_id

    def group_members(self, group_id: str) -> frozenset[str]:
        now = self._clock.now()
        with self._lock:
            cached = self._groups.get(group_id)
        if cached and now - cached[0] < GROUP_TTL:
            return cached[1]
        try:
            return self._fetch_group(group_id, now)
        except (SlackApiError, SlackClientError, OSError) as exc:
            if cached is None:
                raise
            return _stale(cached, exc, f"user group {group_id}")

    def group_changed(self, group_id: str, added: Iterable[str], removed: Iterable[str]) -> None:
        """Slack said who joined and left a user group (subteam_members_changed): the members
        known are brought up to date without asking Slack again."""
        with self._lock:
            cached = self._groups.get(group_id)
            if cached is not None:
                self._groups[group_id] = (cached[0], (cached[1] | frozenset(added)) - frozenset(removed))

    def _fetch_group(self, group_id: str, now: datetime) -> frozenset[str]:
        members = frozenset(self._client.usergroups_users_list(usergroup=group_id)["users"])
        with self._lock:
            self._groups[group_id] = (now, members)
        return members


def _stale(cached: tuple[datetime, Any] | None, exc: Exception, what: str) -> Any:
    """What was known before, when Slack cannot say now; without it the error stands."""
    if cached is None:
        raise exc
    log.info("Slack could not refresh %s (%s); using what it said at %s", what, exc, cached[0])
    return cached[1]


def _person(user: dict[str, Any]) -> Person:
    return Person(
        id=user["id"],
        name=user.get("real_name") or user.get("name") or user["id"],
        tz=user.get("tz"),
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )
