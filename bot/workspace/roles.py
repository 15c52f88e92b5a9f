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

    def _in(self, configured: list[str], user_id: str) -> bool:
        if len(configured) == 1 and is_usergroup_id(configured[0]):
            return user_id in self._directory.group_members(configured[0])
        return user_id in configured

    def groups(self) -> list[str]:
        """The user groups the roles are given as: the directory keeps these warm."""
        configured = (self._settings.managers, self._settings.leaders, self._settings.approvers)
        return list(dict.fromkeys(c[0] for c in configured if len(c) == 1 and is_usergroup_id(c[0])))

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
        configured = self._settings.approvers
        if len(configured) == 1 and is_usergroup_id(configured[0]):
            return sorted(self._directory.group_members(configured[0]))
        return list(configured)

    def require(self, user_id: str, *allowed: Role, doing: str) -> None:
        """Raise NotAllowed unless the person holds one of `allowed`."""
        if not self.of(user_id) & set(allowed):
            who = " or ".join(f"{r.label}s" for r in allowed)
            raise NotAllowed(f"Only {who} can {doing}. Ask your QMS manager if you need this.")
