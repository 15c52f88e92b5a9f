"""Competence by role, each step in one transaction: set what a role needs (and ask its
members for it now), and ask whoever joins the role later.

A role is a Slack user group or a channel; its members are read from Slack (the directory keeps
user groups warm) before a transaction starts. What each member needs is the current revision
of each required document: the latest training round published for it. Someone who joins is
added to that round and gets its card at once; a round already closed is reopened for nobody,
so the matrix shows "not asked" and the QMS manager publishes the revision again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import training
from bot.competence.blocks import joined_note, role_text
from bot.competence.forms import Requirement
from bot.competence.nudges import JOINED
from bot.delivery.due import manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.submissions import Submission, claim
from bot.workspace.roles import Role
from storage import competence as store
from storage import documents as documents_store
from storage import trainings as training_store
from storage.audit import record_change
from storage.models import CompetenceRequirement

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

RECORD_TYPE = "competence"


def documents_offered(ctx: Context) -> list[str]:
    """The references a role can require: the document register and every published training."""
    with ctx.db.read() as session:
        refs = [d.reference for d in documents_store.all_by_due(session)]
        refs += [t.doc_ref for t in training_store.open_rounds(session)]
        refs += [r.doc_ref for r in store.requirements(session)]
    return sorted({training.reference_key(r): r for r in reversed(refs)}.values(), key=str.casefold)[:100]


def members(ctx: Context, role_kind: str, role_id: str) -> list[str] | None:
    """The people (no bots, no deactivated accounts) holding a role; None when Slack would not say."""
    try:
        ids = (
            ctx.directory.group_members(role_id) if role_kind == "usergroup" else ctx.directory.channel_members(role_id)
        )
    except SlackApiError as exc:
        log.warning("could not list the members of %s: %s", role_id, exc.response.get("error"))
        return None
    everyone = ctx.directory.everyone()
    # Someone who joined the workspace since it was last read is looked up on their own.
    found = {p: everyone.get(p) or ctx.directory.person(p) for p in ids}
    return sorted(p for p, person in found.items() if person is not None and person.can_be_assigned)


def role_name(ctx: Context, role_kind: str, role_id: str) -> str:
    if role_kind == "channel":
        return role_id  # shown as Slack's link to the channel (blocks.role_text)
    names = dict(ctx.directory.user_groups())
    return names.get(role_id, role_id)[:100]


def save(ctx: Context, user: str, r: Requirement, submission: Submission | None = None) -> tuple[int, int]:
    """Keep each (role, document) once and ask the role's members for what they lack now.
    Returns (requirements kept, acknowledgement requests sent)."""
    ctx.roles.require(user, Role.QMS_MANAGER, doing="set the competence a role needs")
    roles = [("usergroup", g) for g in r.groups] + [("channel", c) for c in r.channels]
    names = {role_id: role_name(ctx, kind, role_id) for kind, role_id in roles}  # Slack: before the transaction
    now = ctx.clock.now()
    kept = 0
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        for kind, role_id in roles:
            for doc in r.documents:
                values = {
                    "role_kind": kind,
                    "role_id": role_id,
                    "role_name": names[role_id],
                    "doc_ref": doc,
                    "doc_key": training.reference_key(doc),
                    "renew_months": r.renew_months,
                    "added_by": user,
                    "added_at": now,
                }
                if store.add_requirement(session, values):
                    kept += 1
                    record_change(
                        session,
                        at=now,
                        actor=user,
                        record_type=RECORD_TYPE,
                        record_ref=role_id,
                        action="required",
                        after={"role": names[role_id], "document": doc, "renew_months": r.renew_months},
                    )
        if r.renew_months:
            # Acknowledgements made before renewal was asked for are looked at again.
            for current in store.current_rounds(session, [training.reference_key(d) for d in r.documents]).values():
                store.look_again(session, current.id or 0)
    asked = sum(joined(ctx, kind, role_id, None, by=user) for kind, role_id in roles)
    return kept, asked


def joined(ctx: Context, role_kind: str, role_id: str, people: list[str] | None, by: str = "slack") -> int:
    """Ask members of a role (`people`, or all of them) for the required documents they do not
    have yet: each is added to the document's current round and gets its card. Returns how
    many requests went out; the QMS managers are told who joined and what they were asked."""
    with ctx.db.read() as session:
        required = store.requirements(session, role_id)
    if not required:
        return 0
    holders = members(ctx, role_kind, role_id)
    if holders is None:
        return 0
    wanted = holders if people is None else [p for p in people if p in set(holders)]
    if not wanted:
        return 0
    now = ctx.clock.now()
    asked: dict[str, list[str]] = {}
    with ctx.db.session() as session:
        rounds = store.current_rounds(session, [q.doc_key for q in required])
        for current in rounds.values():
            if current.status != "open":
                continue
            why = f"member of {required[0].role_name}"
            for person in training.add_people(session, current, wanted, by, why, now):
                asked.setdefault(person, []).append(current.number)
        if people is not None:
            _tell_managers(ctx, session, required[0], asked, now)
    return sum(len(numbers) for numbers in asked.values())


def _tell_managers(
    ctx: Context, session: Session, requirement: CompetenceRequirement, asked: dict[str, list[str]], now: datetime
) -> None:
    for person, numbers in asked.items():
        note = joined_note(person, role_text(requirement.role_id, requirement.role_name), numbers)
        for manager in manager_recipients(ctx.settings):
            key = JOINED.key(role=requirement.role_id, person=person, rounds="-".join(numbers), manager=manager)
            enqueue(session, Nudge(key[:200], manager, note), now)
