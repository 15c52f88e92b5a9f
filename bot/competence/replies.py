"""Where each role's people stand on what the role needs: the matrix, and the gaps for Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.competence import blocks
from bot.competence.blocks import DONE, DUE, EXPIRED, NO_ROUND, NOT_ASKED, Held, RoleStanding, role_text
from bot.competence.rules import documents_offered, members
from bot.delivery.due import add_months
from bot.surfaces.mrkdwn import safe
from bot.workspace.roles import Role
from storage import competence as store
from storage import trainings as training_store
from storage.models import CompetenceRequirement, TrainingAssignment, TrainingRound

if TYPE_CHECKING:
    from bot.context import Context


def standings(ctx: Context) -> list[RoleStanding]:
    """Every role with a requirement, its members (from Slack) and each one's state per document."""
    with ctx.db.read() as session:
        required = store.requirements(session)
    roles: dict[str, list[CompetenceRequirement]] = {}
    for q in required:
        roles.setdefault(q.role_id, []).append(q)
    people = {role_id: members(ctx, reqs[0].role_kind, role_id) for role_id, reqs in roles.items()}  # Slack
    everyone = sorted({p for found in people.values() for p in found or []})
    with ctx.db.read() as session:
        rounds = store.current_rounds(session, sorted({q.doc_key for q in required}))
        held = store.assignments(session, [r.id for r in rounds.values() if r.id], everyone)
        renewals = {key: store.renew_months(session, key) for key in rounds}
    today = ctx.today()
    found = []
    for role_id, reqs in roles.items():
        months = min((q.renew_months for q in reqs if q.renew_months), default=None)
        standing = RoleStanding(role_id, reqs[0].role_name, [q.doc_ref for q in reqs], months)
        standing.unreadable = people[role_id] is None
        for person in people[role_id] or []:
            standing.people[person] = [
                _state(q, rounds.get(q.doc_key), held, person, renewals.get(q.doc_key), today, ctx) for q in reqs
            ]
        found.append(standing)
    return found


def _state(
    q: CompetenceRequirement,
    current: TrainingRound | None,
    held: dict[tuple[int, str], TrainingAssignment],
    person: str,
    months: int | None,
    today: date,
    ctx: Context,
) -> Held:
    if current is None:
        return Held(q.doc_ref, NO_ROUND)
    a = held.get((current.id or 0, person))
    if a is None:
        return Held(q.doc_ref, NOT_ASKED)
    if a.status != "acknowledged" or a.acknowledged_at is None:
        return Held(q.doc_ref, DUE, current.due_date)
    acked = a.acknowledged_at.astimezone(ctx.settings.zone).date()
    expires = add_months(acked, months) if months else None
    if expires is not None and expires <= today:
        return Held(q.doc_ref, EXPIRED, expires)
    return Held(q.doc_ref, DONE, acked, expires)


def matrix_blocks(ctx: Context, user: str) -> list[dict[str, object]]:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="see the training matrix")
    everyone = ctx.directory.everyone()
    return blocks.matrix(standings(ctx), lambda uid: everyone[uid].name if uid in everyone else uid)


def gaps_line(ctx: Context) -> str | None:
    """The Home tab's line for QMS managers; None when no role has a requirement."""
    found = standings(ctx)
    return blocks.gaps_line(found) if found else None


def require_form(ctx: Context) -> dict[str, object] | None:
    """The requirement form with the workspace's user groups and the documents; None when there are none."""
    documents = documents_offered(ctx)
    if not documents:
        return None
    return blocks.require_modal(ctx.directory.user_groups(), documents)


@dataclass
class DocumentHeld:
    """Where a required document's current revision stands, from the records alone (no Slack):
    for the digest and the review pack, which run without asking Slack who holds a role."""

    doc_ref: str
    roles: list[str]  # mrkdwn (blocks.role_text): escaped names, channels as links
    number: str | None  # the current round; None: never published
    done: int = 0
    due: int = 0
    expired: int = 0


def held_by_document(session: Session, today: date, zone: Any) -> list[DocumentHeld]:
    required = store.requirements(session)
    by_doc: dict[str, list[CompetenceRequirement]] = {}
    for q in required:
        by_doc.setdefault(q.doc_key, []).append(q)
    rounds = store.current_rounds(session, sorted(by_doc))
    found = []
    for key, reqs in sorted(by_doc.items()):
        current = rounds.get(key)
        roles = [role_text(q.role_id, q.role_name) for q in reqs]
        held = DocumentHeld(reqs[0].doc_ref, roles, current.number if current else None)
        months = store.renew_months(session, key)
        for a in training_store.people(session, current.id) if current and current.id else []:
            if a.status != "acknowledged" or a.acknowledged_at is None:
                held.due += 1
            elif months and add_months(a.acknowledged_at.astimezone(zone).date(), months) <= today:
                held.expired += 1
            else:
                held.done += 1
        found.append(held)
    return found


def held_lines(held: list[DocumentHeld]) -> list[str]:
    """One line per required document: who needs it, and how many hold it, are due or expired."""
    lines = []
    for h in held:
        roles = ", ".join(h.roles[:3]) + (" …" if len(h.roles) > 3 else "")
        if h.number is None:
            lines.append(f"{safe(h.doc_ref, 40)} (needed by {roles}): never published, nobody holds it")
            continue
        lines.append(
            f"{safe(h.doc_ref, 40)} ({h.number}, needed by {roles}): {h.done} hold it, {h.due} to acknowledge"
            + (f", *{h.expired} expired*" if h.expired else "")
        )
    return lines
