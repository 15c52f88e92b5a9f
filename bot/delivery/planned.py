"""Cancelling a record planned ahead (an internal audit, a management review): one way for each.

A QMS manager cancels what was planned in error or replaced: the record moves from
"planned" to "cancelled" once (a double click, or two managers at once, cancel it once),
its reminders stop and the reason goes on the audit trail, all in one transaction. What
differs between processes is said once per process in a `Cancellable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from sqlmodel import Session

from bot.errors import Refused
from bot.surfaces.mrkdwn import safe
from bot.workspace.roles import Role
from storage import outbox as outbox_rows
from storage.audit import record_change

if TYPE_CHECKING:
    from bot.context import Context


class Planned(Protocol):
    @property
    def number(self) -> str: ...

    @property
    def status(self) -> str: ...


R = TypeVar("R", bound=Planned)


@dataclass(frozen=True)
class Cancellable(Generic[R]):
    record_type: str  # on the audit trail
    doing: str  # for whoever is not a QMS manager: "Only QMS managers can <doing>."
    listed: str  # where the records are listed, for a number that names none
    find: Callable[[Session, str], R | None]  # by number
    move: Callable[..., bool]  # compare-and-set: move(session, record, expected status, **columns)
    closing: Callable[[str, str, datetime], dict[str, Any]]  # (reason, by, at): the columns cancelling sets
    reminders: Callable[[R], str]  # the outbox key prefix of the record's reminders (a Key's prefix)


def cancel_planned(ctx: Context, what: Cancellable[R], user: str, number: str, reason: str) -> R:
    ctx.roles.require(user, Role.QMS_MANAGER, doing=what.doing)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        record = what.find(session, number)
        if record is None:
            raise Refused(f"There is no {safe(number.upper(), 40)}; {what.listed}.")
        if not what.move(session, record, "planned", status="cancelled", **what.closing(reason, user, now)):
            raise Refused(f"{record.number} is already {record.status}. Nothing was changed.")
        outbox_rows.cancel_pending(session, what.reminders(record))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=what.record_type,
            record_ref=record.number,
            action="cancelled",
            before={"status": "planned"},
            after={"status": "cancelled"},
            note=reason,
        )
        return record
