"""Attaching a message's files to an NC as evidence: which NCs a person may choose, and the
check, on the server, when the form is sent.

Evidence moves no step, so it is not in the lifecycle table: whoever works on the NC may add
it (its owner, whoever raised it, its action owners) and the QMS managers, while it is open.
Apart from the steps (rules.py, guard.py) because it is no step; the files themselves are
kept by `bot.evidence`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot import evidence
from bot.errors import Invalid, NotAllowed, Refused
from bot.nonconformity.forms import NUMBER
from bot.nonconformity.guard import log_refusal, managers_named
from bot.nonconformity.lifecycle import Status
from bot.nonconformity.record import RECORD_TYPE, refresh_card
from bot.submissions import Submission, claim
from bot.surfaces.blocks import MAX_OPTIONS, OPTION_TEXT
from bot.surfaces.mrkdwn import mention, truncate
from storage import nonconformities as store
from storage.models import CorrectiveAction, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context

STEP = "attach_evidence"  # a refused attempt's step on the trail
# What a message's files can be evidence of: (label, value); the value is what the card shows.
STEPS = [
    ("The problem as found", "problem as found"),
    ("Containment", "containment"),
    ("Root cause analysis", "root cause"),
    ("A corrective action", "action"),
    ("Effectiveness check", "effectiveness check"),
    ("Disposition of the output", "disposition"),
]
MENTIONED = re.compile(r"\bNC-\d{4}-\d{4,}\b", re.IGNORECASE)


def may_attach(nc: Nonconformity, actions: list[CorrectiveAction], user: str, manager: bool) -> bool:
    return manager or user in (nc.owner, nc.reporter) or any(a.owner == user for a in actions)


def attach_choices(ctx: Context, user: str, channel: str, message: dict[str, Any]) -> evidence.Choices | None:
    """The open NCs `user` may attach files to, theirs first, at most a select's 100 (a QMS
    manager may type any other); None when there is none. The NC the message is about (its
    card's thread, or a number it names) comes chosen."""
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    with ctx.db.read() as session:
        ncs = store.worked_on_by(session, user, MAX_OPTIONS)
        more = 0
        if manager:
            known = {nc.id for nc in ncs}
            others = [nc for nc in store.active(session, limit=MAX_OPTIONS) if nc.id not in known]
            ncs += others[: MAX_OPTIONS - len(ncs)]
            more = max(0, store.count_active(session) - len(ncs))
        options = [(truncate(f"{nc.number} · {nc.title}", OPTION_TEXT), nc.number) for nc in ncs]
        threads = {(nc.card_channel, nc.card_ts): nc.number for nc in ncs if nc.card_ts}
    if not options:
        return None
    named = [m.upper() for m in MENTIONED.findall(str(message.get("text") or ""))]
    about = threads.get((channel, str(message.get("thread_ts") or ""))) or next(
        (n for n in named if n in {ref for _, ref in options}), None
    )
    hint = "Open NCs: yours first." if manager else "Open NCs you own, raised, or hold an action on."
    return evidence.Choices(options, STEPS, hint, initial=about, more=more)


def check_attach(ctx: Context, chosen: evidence.Chosen, user: str, submission: Submission | None) -> Nonconformity:
    """When the form is sent, before it is answered: may `user` attach files to this NC now?
    The form is claimed in the same transaction, so a form sent twice keeps its files once."""
    number = chosen.ref.strip().upper()
    if not NUMBER.match(number):
        raise Invalid({chosen.block: "That is no NC number: NC-2026-0001 is one."})
    if chosen.step not in {value for _, value in STEPS}:
        raise Invalid({evidence.STEP_BLOCK: "Choose what these files are evidence of."})
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    try:
        with ctx.db.session() as session:
            nc = store.by_number(session, number)
            if nc is None:
                raise Invalid({chosen.block: f"There is no {number}; choose an open NC."})
            if Status(nc.status).finished:
                raise Refused(f"{nc.number} is {Status(nc.status).label.lower()}: evidence can no longer be added.")
            assert nc.id is not None
            if not may_attach(nc, store.actions_of(session, nc.id), user, manager):
                raise NotAllowed(
                    f"Only the owner of {nc.number} ({mention(nc.owner)}), whoever raised it, its action owners "
                    f"or a QMS manager{managers_named(ctx)} can attach evidence to it."
                )
            claim(session, submission, RECORD_TYPE, ctx.clock.now(), nc.number)
    except NotAllowed as refused:
        log_refusal(ctx, number, user, STEP, str(refused))
        raise
    return nc


def attach_from_message(
    ctx: Context, nc: Nonconformity, step: str, user: str, offered: list[evidence.Offered]
) -> evidence.Kept:
    """Keep the files with the NC (after the form was answered) and redraw its card."""
    kept = evidence.keep(ctx, evidence.Attaching(RECORD_TYPE, nc.number, step + evidence.FROM_MESSAGE, user), offered)
    if kept.files:
        assert nc.id is not None
        refresh_card(ctx, nc.id)
    return kept
