"""A button drawn for one version of a record, and the answer to a press on an older one.

Every state-changing button carries `<id>@<version>` of the record it was drawn for; the
change is a compare-and-set on that version (`storage.records.change`), so a button pressed
twice, or by two people, moves the record once. Whoever pressed an older version is told
what happened and who did it, from the record's audit trail. Every process uses this one
piece, the NC card included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, tzinfo
from typing import Protocol

from sqlmodel import Session

from bot.errors import AlreadyDone
from bot.surfaces.mrkdwn import mention
from bot.surfaces.words import moment
from storage.audit import history
from storage.models import AuditEvent

# What a trail event's action says after "FB-2026-0003 was …"; other actions are read as written.
DONE: Mapping[str, str] = {
    "responded": "marked responded",
    "resolved": "marked resolved",
    "nc_raised": "raised as an NC",
    "checklist_answered": "answered",
    "nonconformity_found": "answered nonconforming",
    "held": "recorded as held",
    "action_done": "marked done",
    "reviewed": "reviewed with no change",
    "revision_published": "published in a new revision",
}

Concerning = Callable[[AuditEvent], bool]


class Versioned(Protocol):
    @property
    def id(self) -> int | None: ...

    @property
    def version(self) -> int: ...


def drawn(record: Versioned) -> str:
    """A button's value: the record and the version it was drawn for."""
    return f"{record.id}@{record.version}"


def last_change(
    session: Session, record_type: str, ref: str, concerning: Concerning | None = None
) -> AuditEvent | None:
    """The latest event on the record's trail that changed it (a refused attempt changed nothing);
    `concerning` keeps only the events about one part of it (a checklist line, an action)."""
    events = [
        e for e in history(session, record_type, ref) if e.action != "refused" and (concerning is None or concerning(e))
    ]
    return events[-1] if events else None


def last_actor(session: Session, record_type: str, ref: str) -> str:
    last = last_change(session, record_type, ref)
    return mention(last.actor) if last else "someone"


def already_done(
    session: Session,
    record_type: str,
    ref: str,
    what: str | None = None,
    *,
    zone: tzinfo = UTC,
    concerning: Concerning | None = None,
    name: str | None = None,
) -> AlreadyDone:
    """The answer to a press that came too late, e.g. "Already done by @Ana: FB-2026-0003 was
    marked responded on 02 Dec at 14:02. Nothing was changed.", from the trail's last change.

    `what` says it in the process's own words instead; `name` names the part of the record
    that `concerning` picks ("line 3 of AU-2026-0002").
    """
    last = last_change(session, record_type, ref, concerning)
    by = f" by {mention(last.actor)}" if last else ""
    if what is None:
        if last is None:
            what = f"{name or ref} was changed since this was shown"
        else:
            done = DONE.get(last.action, last.action.replace("_", " "))
            what = f"{name or ref} was {done} {moment(last.at, zone)}"
    return AlreadyDone(f"Already done{by}: {what}. Nothing was changed.")


def require_seen(
    session: Session,
    record: Versioned,
    seen: int | None,
    record_type: str,
    ref: str,
    *,
    zone: tzinfo = UTC,
    concerning: Concerning | None = None,
    name: str | None = None,
) -> None:
    """A press on a button drawn for an older version changes nothing and says what happened.

    `seen` None is a button posted before buttons carried a version: it acts as it always
    did, on the record's state alone.
    """
    if seen is not None and seen != record.version:
        raise already_done(session, record_type, ref, zone=zone, concerning=concerning, name=name)
