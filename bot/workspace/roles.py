"""Roles, checked on the server for every action (never only by hiding a button)."""

from __future__ import annotations

from enum import Enum

from bot.errors import NotAllowed
from bot.surfaces.mrkdwn import is_usergroup_id
from bot.workspace.config import Settings
from bot.workspace.people import Directory


class Role(str, Enum):
    QMS_MANAGER = "qms_manager"
    LEADER = "leader"
    EMPLOYEE = "employee"

    @property
    def label(self) -> str:
        return {"qms_manager": "QMS manager", "leader": "leader", "employee": "employee"}[self.value]


class Roles:
    def __init__(self, settings: Settings, directory: Directory) -> None:
        self._settings = settings
        self._directory = directory

    def _people(self, configured: list[str]) -> list[str]:
        """A role's people by user ID: the setting's IDs, or the members of its one user group."""
        group = _group(configured)
        return sorted(self._directory.group_members(group)) if group else list(configured)

    def _in(self, configured: list[str], user_id: str) -> bool:
        return user_id in self._people(configured)

    def groups(self) -> list[str]:
        """The user groups the roles are given as: the directory keeps these warm."""
        configured = (self._settings.managers, self._settings.leaders, self._settings.approvers)
        return list(dict.fromkeys(g for g in map(_group, configured) if g))

    def of(self, user_id: str) -> set[Role]:
        roles = {Role.EMPLOYEE}
        if self._in(self._settings.managers, user_id):
            roles.add(Role.QMS_MANAGER)
        if self._in(self._settings.leaders, user_id):
            roles.add(Role.LEADER)
        return roles

    def is_manager(self, user_id: str) -> bool:
        return Role.QMS_MANAGER in self.of(user_id)

    def is_approver(self, user_id: str) -> bool:
        """May authorise a disposition of nonconforming output (QMS_DISPOSITION_APPROVERS)."""
        return self._in(self._settings.approvers, user_id)

    def approvers(self) -> list[str]:
        """The disposition approvers by user ID, a user group expanded through the directory."""
        return self._people(self._settings.approvers)

    def require(self, user_id: str, *allowed: Role, doing: str) -> None:
        """Raise NotAllowed unless the person holds one of `allowed`."""
        if not self.of(user_id) & set(allowed):
            who = " or ".join(f"{r.label}s" for r in allowed)
            raise NotAllowed(f"Only {who} can {doing}. Ask your QMS manager if you need this.")


def _group(configured: list[str]) -> str | None:
    """The user group a role is given as (one `S…` ID), or None for a list of people."""
    return configured[0] if len(configured) == 1 and is_usergroup_id(configured[0]) else None
