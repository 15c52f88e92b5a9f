"""Nonconformities and corrective action (ISO 9001 8.7 and 10.2).

Anyone raises an NC; its owner records containment, root cause and actions; action owners
mark their actions done with evidence; an independent QMS manager verifies effectiveness
and closes it. Every step is a compare-and-set on the record's status (see
`storage.nonconformities.move`), goes on the audit trail, is posted in the card's thread
through the outbox in the same transaction, and re-renders the card.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.delivery.due import due_stage, manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import AlreadyDone, NotAllowed, Refused
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity.lifecycle import (
    ACTION_KINDS,
    ELSEWHERE,
    ROOT_CAUSE_METHODS,
    RULES,
    SOURCES,
    Status,
    Step,
    StepNotPossible,
    Who,
    can,
    next_status,
)
from bot.delivery import cards
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.config import SEVERITIES
from bot.workspace.people_checks import assignee_error as assignee_error
from bot.workspace.people_checks import people_error as people_error
from storage import feedback as feedback_store
from storage import nonconformities as store
from storage import outbox as outbox_rows
from storage.audit import history, record_change
from storage.models import CorrectiveAction, MessageCapture, Nonconformity
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

RECORD_TYPE = "nonconformity"
TITLE_MAX = 150  # a header block holds 150 characters
TEXT_MAX = 3000  # a section holds 3000
SUPPLIER_MAX = 150
CLAUSE_MAX = 20
NUMBER = re.compile(r"^NC-(\d{4})-(\d{4,})$", re.IGNORECASE)
CLAUSE = re.compile(r"^(?:[4-9]|10)(?:\.\d{1,2}){0,3}$")  # ISO 9001's requirements are clauses 4-10
LIST_LIMIT = 15
ANNOUNCE_GRACE = timedelta(seconds=60)
SIMILAR_TITLE = 0.6


# --- raising -------------------------------------------------------------------------


@dataclass
class RaiseForm:
    """What the person typed into the "Raise nonconformity" modal, unchecked."""

    title: str | None = None
    description: str | None = None
    severity: str | None = None
    source: str | None = None
    process: str | None = None
    supplier: str | None = None
    iso_clause: str | None = None
    containment: str | None = None
    owner: str | None = None
    due_date: str | None = None


@dataclass
class Draft:
    """A checked form, ready to become a record."""

    title: str
    description: str
    severity: str
    source: str
    process: str
    supplier: str | None
    iso_clause: str | None
    containment: str | None
    owner: str | None
    due_date: date | None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _text_error(value: str | None, what: str, limit: int, *, required: bool) -> str | None:
    if value is None:
        return f"Enter the {what}." if required else None
    if len(value) > limit:
        return f"Keep the {what} under {limit} characters (it has {len(value)})."
    return None


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value)


def due_date_error(ctx: Context, raw: str | None) -> tuple[str | None, date | None]:
    try:
        due = parse_date(raw)
    except ValueError:
        return "Choose the due date from the calendar.", None
    if due is not None and due < ctx.today():
        return f"The due date cannot be in the past; today is {ctx.today():%d %b %Y}.", None
    return None, due


def check_raise(ctx: Context, form: RaiseForm) -> tuple[dict[str, str], Draft | None]:
    """Errors keyed by the modal's block_id (Slack's response_action: errors), or the draft."""
    title, description = _clean(form.title), _clean(form.description)
    supplier, clause, containment = _clean(form.supplier), _clean(form.iso_clause), _clean(form.containment)
    errors: dict[str, str] = {}
    for block, value, what, limit, required in (
        ("title", title, "title", TITLE_MAX, True),
        ("description", description, "description", TEXT_MAX, True),
        ("supplier", supplier, "supplier name", SUPPLIER_MAX, False),
        ("containment", containment, "containment", TEXT_MAX, False),
    ):
        problem = _text_error(value, what, limit, required=required)
        if problem:
            errors[block] = problem
    if form.severity not in SEVERITIES:
        errors["severity"] = "Choose how severe this is."
    if form.source not in SOURCES:
        errors["source"] = "Choose where this came from."
    if form.process not in ctx.settings.processes:
        errors["process"] = "Choose the process or area concerned."
    if form.source == "supplier" and supplier is None and "supplier" not in errors:
        errors["supplier"] = "Name the supplier: supplier NCs feed the supplier performance report."
    if clause is not None and (len(clause) > CLAUSE_MAX or not CLAUSE.match(clause)):
        errors["iso_clause"] = "Give an ISO 9001 clause number such as 8.7 or 7.1.5, or leave it empty."
    owner_problem = assignee_error(ctx, form.owner)
    if owner_problem:
        errors["owner"] = owner_problem
    due_problem, due = due_date_error(ctx, form.due_date)
    if due_problem:
        errors["due_date"] = due_problem
    if errors:
        return errors, None
    assert title and description and form.severity and form.source and form.process
    return {}, Draft(
        title, description, form.severity, form.source, form.process, supplier, clause, containment, form.owner, due
    )


def default_owner(ctx: Context, process: str, reporter: str) -> str:
    """The process owner, else a QMS manager, else the person who raised it."""
    owner = ctx.settings.process_owner(process)
    if owner:
        return owner
    if ctx.settings.manager_ids:
        return ctx.settings.manager_ids[0]
    if ctx.settings.managers:
        members = sorted(ctx.directory.group_members(ctx.settings.managers[0]))
        if members:
            return members[0]
    return reporter


Link = Callable[[Session, Nonconformity], Any]


def raise_nc(
    ctx: Context,
    reporter: str,
    draft: Draft,
    capture_id: int | None = None,
    complaint_id: int | None = None,
    link: Link | None = None,
) -> Nonconformity:
    """Number and store a new NC; `complaint_id` links it to the customer complaint it came from,
    `link` ties it to another record (an audit's checklist line) in the same transaction."""
    owner = draft.owner or default_owner(ctx, draft.process, reporter)  # may ask Slack: outside the transaction
    with ctx.db.session() as session:
        return add_nc(
            session,
            ctx,
            reporter,
            replace(draft, owner=owner),
            capture_id=capture_id,
            complaint_id=complaint_id,
            link=link,
        )


def add_nc(
    session: Session,
    ctx: Context,
    reporter: str,
    draft: Draft,
    *,
    capture_id: int | None = None,
    complaint_id: int | None = None,
    link: Link | None = None,
    origin: str | None = None,
) -> Nonconformity:
    """Store an NC inside the caller's transaction (`draft.owner` already chosen), with its
    trail and its announcements; `origin` names the record it came from on the trail."""
    assert draft.owner is not None
    now = ctx.clock.now()
    capture = store.get_capture(session, capture_id) if capture_id else None
    if capture is not None and capture.captured_by != reporter:
        capture = None  # someone else's capture: never attach it
    due = draft.due_date or ctx.today() + timedelta(days=ctx.settings.due_days[draft.severity])
    similar = possible_recurrence(session, ctx, draft, now)
    nc = store.add(
        session,
        Nonconformity(
            number=next_number(session, "NC", now.astimezone(ctx.settings.zone).year),
            title=draft.title,
            description=draft.description,
            severity=draft.severity,
            source=draft.source,
            process=draft.process,
            supplier=draft.supplier,
            iso_clause=draft.iso_clause,
            initial_containment=draft.containment,
            owner=draft.owner,
            reporter=reporter,
            due_date=due,
            raised_at=now,
            updated_at=now,
            origin_id=capture.id if capture else None,
            possible_recurrence_of=similar.id if similar else None,
        ),
    )
    complaint = None
    if complaint_id is not None:
        complaint = feedback_store.get(session, complaint_id)
        if complaint is None or complaint.kind != "complaint":
            raise Refused("That complaint no longer exists; raise the NC from `/nc` instead.")
        # Once per complaint: two people raising it at the same moment make one NC.
        if not feedback_store.link_nc(session, complaint_id, nc.id):  # type: ignore[arg-type]
            raise AlreadyDone(
                f"Already done: {complaint.number} was raised as an NC a moment ago. Nothing was changed."
            )
    linked_to = link(session, nc) if link else None
    record_change(
        session,
        at=now,
        actor=reporter,
        record_type=RECORD_TYPE,
        record_ref=nc.number,
        action="raised",
        after={
            "title": nc.title,
            "severity": nc.severity,
            "source": nc.source,
            "process": nc.process,
            "supplier": nc.supplier,
            "iso_clause": nc.iso_clause,
            "owner": nc.owner,
            "due_date": nc.due_date.isoformat(),
            "from_message": capture.permalink if capture else None,
            "possible_recurrence_of": similar.number if similar else None,
            "complaint": complaint.number if complaint else None,
            **({"from": linked_to or origin} if (linked_to or origin) else {}),
        },
    )
    # Queued with the record, held back a little: announce_raised() adds the card's link
    # and releases them at once. Should the bot die in between, they still go out.
    held = now + ANNOUNCE_GRACE
    for nudge in _announcements(nc, ctx.settings.channel):
        enqueue(session, replace(nudge, not_before=held), now)
    return nc


def _announcements(nc: Nonconformity, qms_channel: str | None, *, card_failed: bool = False) -> list[Nudge]:
    confirmation = nc_blocks.raised_confirmation(nc, qms_channel if card_failed else None)
    nudges = [
        Nudge(
            f"nclog:{nc.id}:raised",
            nc.reporter,
            confirmation.text,
            confirmation.blocks,
            record_ref=nc.number,
            in_working_hours=False,
        )
    ]
    if nc.owner != nc.reporter:
        assigned = nc_blocks.owner_assigned(nc)
        nudges.append(
            Nudge(f"nc:{nc.id}:assigned:{nc.owner}", nc.owner, assigned.text, assigned.blocks, record_ref=nc.number)
        )
    return nudges


def announce_raised(ctx: Context, nc_id: int) -> Nonconformity:
    """Post the card, then tell the owner and confirm to the reporter (through the outbox)."""
    nc = refresh_card(ctx, nc_id)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        for nudge in _announcements(nc, ctx.settings.channel, card_failed=nc.card_ts is None):
            outbox_rows.rewrite_pending(session, nudge.key, text=nudge.text, blocks=nudge.blocks, not_before=now)
    return nc


def _similar_titles(a: str, b: str) -> bool:
    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"[^\W_]+", text.casefold()) if len(w) > 2}

    wa, wb = words(a), words(b)
    overlap = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
    return overlap >= 0.5 or SequenceMatcher(None, a.casefold(), b.casefold()).ratio() >= SIMILAR_TITLE + 0.15


def possible_recurrence(session: Session, ctx: Context, draft: Draft, now: datetime) -> Nonconformity | None:
    """A closed NC of the same process in the recurrence window with a similar title or the same clause."""
    since = now - timedelta(days=round(ctx.settings.recurrence_months * 365.25 / 12))
    for earlier in store.closed_since(session, draft.process, since):
        if (draft.iso_clause and earlier.iso_clause == draft.iso_clause) or _similar_titles(draft.title, earlier.title):
            return earlier
    return None


# --- the card --------------------------------------------------------------------------


@dataclass
class Record:
    """An NC with what its card shows."""

    nc: Nonconformity
    actions: list[CorrectiveAction]
    capture: MessageCapture | None
    numbers: dict[int, str] = field(default_factory=dict)
    recurred_as: list[str] = field(default_factory=list)
    complaint: tuple[str, str | None] | None = None  # (FB number, card permalink)


def load_record(session: Session, nc: Nonconformity) -> Record:
    assert nc.id is not None
    capture = store.get_capture(session, nc.origin_id) if nc.origin_id else None
    linked = [i for i in (nc.possible_recurrence_of, nc.recurrence_of) if i]
    complaint = feedback_store.by_nc(session, nc.id)
    return Record(
        nc,
        store.actions_of(session, nc.id),
        capture,
        store.numbers(session, linked),
        [r.number for r in store.recurrences_of(session, nc.id)],
        (complaint.number, complaint.card_permalink) if complaint else None,
    )


def refresh_card(ctx: Context, nc_id: int) -> Nonconformity:
    """Draw the NC's card from the record (see bot.delivery.cards)."""
    with ctx.db.session() as session:
        nc = store.get(session, nc_id)
        assert nc is not None
        record = load_record(session, nc)

    def save(channel: str, ts: str, permalink: str | None) -> None:
        with ctx.db.session() as session:
            store.set_card(session, nc_id, channel=channel, ts=ts, permalink=permalink)
        nc.card_channel, nc.card_ts, nc.card_permalink = channel, ts, permalink

    reply = nc_blocks.card(record, ctx.today(), ctx.settings)
    cards.show(
        ctx,
        reply,
        channel=nc.card_channel,
        ts=nc.card_ts,
        post_to=ctx.settings.channel or nc.owner,
        save=save,
        what=nc.number,
    )
    return nc


def refresh_cards(ctx: Context, *nc_ids: int | None) -> None:
    for nc_id in dict.fromkeys(i for i in nc_ids if i):
        refresh_card(ctx, nc_id)


def cards_touched(nc: Nonconformity) -> list[int | None]:
    """The cards a step on `nc` changes: its own, and the earlier NC it recurs."""
    return [nc.id, nc.recurrence_of]


def _post_in_thread(session: Session, nc: Nonconformity, event_id: int | None, text: str, now: datetime) -> None:
    cards.tell_thread(session, f"nclog:{nc.id}:{event_id}", nc, nc.number, text, now)


# --- who may, and what already happened -----------------------------------------------------


def _managers_named(ctx: Context) -> str:
    ids = ctx.settings.manager_ids
    return f" ({', '.join(mention(m) for m in ids[:5])})" if ids else ""


def _check_who(
    ctx: Context,
    nc: Nonconformity,
    step: Step,
    user: str,
    manager: bool,
    action: CorrectiveAction | None,
    actions: list[CorrectiveAction],
) -> None:
    rule = RULES[step]
    doing = rule.doing.format(nc=nc.number)
    managers = f"a QMS manager{_managers_named(ctx)}"
    if rule.who is Who.OWNER_OR_MANAGER:
        if user == nc.owner or manager:
            return
        raise NotAllowed(f"Only the NC owner ({mention(nc.owner)}) or {managers} can {doing}.")
    if rule.who is Who.ACTION_OWNER_NC_OWNER_OR_MANAGER:
        if manager or user == nc.owner or (action is not None and user == action.owner):
            return
        owner = f"the action owner ({mention(action.owner)}), " if action else ""
        raise NotAllowed(f"Only {owner}the NC owner ({mention(nc.owner)}) or {managers} can {doing}.")
    if not manager:
        raise NotAllowed(f"Only {managers} can {doing}.")
    if rule.who is Who.INDEPENDENT_MANAGER and user in {a.done_by for a in actions} | {a.owner for a in actions}:
        raise NotAllowed(
            f"You owned or completed actions on {nc.number}, so another QMS manager must verify their effectiveness: "
            "verification has to be independent of the work."
        )


def _already(session: Session, nc: Nonconformity, what: str | None = None) -> AlreadyDone:
    events = [e for e in history(session, RECORD_TYPE, nc.number) if e.action != "refused"]
    last = events[-1] if events else None
    by = f" by {mention(last.actor)}" if last else ""
    done = what or f"{nc.number} is already *{Status(nc.status).label.lower()}*"
    return AlreadyDone(f"Already done{by}: {done}. Nothing was changed.")


def _action_already_done(nc: Nonconformity, action: CorrectiveAction) -> AlreadyDone:
    return AlreadyDone(
        f"Already done by {mention(action.done_by or '')}: {nc.number}/A{action.seq} is marked done. Nothing was changed."
    )


def _log_refusal(ctx: Context, nc_number: str, user: str, step: str, message: str) -> None:
    """Refused attempts go on the record's trail too: an auditor may ask who tried what."""
    log.info("refused %s on %s for %s", step, nc_number, user)
    with ctx.db.session() as session:
        record_change(
            session,
            at=ctx.clock.now(),
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=nc_number,
            action="refused",
            after={"step": step},
            note=message,
        )


@dataclass
class Guarded:
    nc: Nonconformity
    actions: list[CorrectiveAction]
    action: CorrectiveAction | None


def _guard(
    session: Session,
    ctx: Context,
    nc_id: int,
    step: Step,
    user: str,
    manager: bool,
    action_id: int | None = None,
    seen_version: int | None = None,
) -> Guarded:
    nc = store.get(session, nc_id)
    if nc is None:
        raise Refused("That NC no longer exists.")
    actions = store.actions_of(session, nc_id)
    action = None
    if action_id is not None:
        action = next((a for a in actions if a.id == action_id), None)
        if action is None:
            raise Refused(f"That action is not on {nc.number}.")
        if action.status == "done":
            raise _action_already_done(nc, action)
    if not can(nc.status, step):
        status = Status(nc.status)
        if status.finished and status not in RULES[step].moves.values():
            raise Refused(f"{nc.number} is {status.label.lower()}; nothing more can be done on it.")
        raise _already(session, nc)
    _check_who(ctx, nc, step, user, manager, action, actions)
    if seen_version is not None and seen_version != nc.version:
        # The decision was taken on what the form showed; the NC has moved on since.
        raise Refused(
            f"{nc.number} changed after this form was opened (last by {_last_actor(session, nc)}); close it and open it again from the card."
        )
    return Guarded(nc, actions, action)


def _last_actor(session: Session, nc: Nonconformity) -> str:
    events = [e for e in history(session, RECORD_TYPE, nc.number) if e.action != "refused"]
    return mention(events[-1].actor) if events else "someone"


def check_step(ctx: Context, nc_id: int, step: Step, user: str, action_id: int | None = None) -> Record:
    """On the button click, before the modal opens: may `user` take `step` now?"""
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    try:
        with ctx.db.session() as session:
            guarded = _guard(session, ctx, nc_id, step, user, manager, action_id)
            return load_record(session, guarded.nc)
    except NotAllowed as refused:
        _log_refusal(ctx, _number_of(ctx, nc_id), user, step.value, str(refused))
        raise


def _number_of(ctx: Context, nc_id: int) -> str:
    with ctx.db.session() as session:
        nc = store.get(session, nc_id)
        return nc.number if nc else f"nc-{nc_id}"


def _move(session: Session, nc: Nonconformity, step: Step, now: datetime, **values: Any) -> tuple[str, str]:
    before = nc.status
    try:
        after = next_status(before, step)
    except StepNotPossible:
        raise _already(session, nc) from None
    if not store.move(session, nc, before, status=after.value, updated_at=now, **values):
        session.refresh(nc)
        raise _already(session, nc)
    return before, after.value


def _take(
    ctx: Context,
    nc_id: int,
    step: Step,
    user: str,
    work: Any,
    action_id: int | None = None,
    seen_version: int | None = None,
) -> Nonconformity:
    """Guard, then do `work(session, guarded, now)` in one transaction.

    The card is re-rendered by the caller (`refresh_cards`) after it has answered Slack:
    a modal submission must be acknowledged within 3 seconds.
    """
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    try:
        with ctx.db.session() as session:
            guarded = _guard(session, ctx, nc_id, step, user, manager, action_id, seen_version)
            work(session, guarded, now)
            nc = guarded.nc
    except NotAllowed as refused:
        _log_refusal(ctx, _number_of(ctx, nc_id), user, step.value, str(refused))
        raise
    return nc


def _audit(
    session: Session,
    nc: Nonconformity,
    user: str,
    now: datetime,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    note: str | None = None,
) -> int | None:
    return record_change(
        session,
        at=now,
        actor=user,
        record_type=RECORD_TYPE,
        record_ref=nc.number,
        action=action,
        before=before,
        after=after,
        note=note,
    ).id


# --- the steps ---------------------------------------------------------------------------


def contain(ctx: Context, nc_id: int, user: str, text: str) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        old = g.nc.containment
        before, after = _move(session, g.nc, Step.CONTAIN, now, containment=text)
        event = _audit(
            session,
            g.nc,
            user,
            now,
            "contained",
            {"status": before, "containment": old},
            {"status": after, "containment": text},
        )
        _post_in_thread(
            session, g.nc, event, f":shield: {mention(user)} recorded containment:\n{safe(text, 2800)}", now
        )

    return _take(ctx, nc_id, Step.CONTAIN, user, work)


def record_root_cause(
    ctx: Context, nc_id: int, user: str, method: str, cause: str, elsewhere: str, elsewhere_note: str | None
) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        old = {
            "root_cause_method": g.nc.root_cause_method,
            "root_cause": g.nc.root_cause,
            "occurs_elsewhere": g.nc.occurs_elsewhere,
        }
        before, after = _move(
            session,
            g.nc,
            Step.RECORD_ROOT_CAUSE,
            now,
            root_cause_method=method,
            root_cause=cause,
            occurs_elsewhere=elsewhere,
            elsewhere_note=elsewhere_note,
        )
        new = {
            "root_cause_method": method,
            "root_cause": cause,
            "occurs_elsewhere": elsewhere,
            "elsewhere_note": elsewhere_note,
        }
        event = _audit(
            session, g.nc, user, now, "root_cause_found", {"status": before, **old}, {"status": after, **new}
        )
        where = f" — {safe(elsewhere_note, 500)}" if elsewhere_note else ""
        text = (
            f":mag: {mention(user)} recorded the root cause ({ROOT_CAUSE_METHODS[method]}):\n{safe(cause, 2400)}\n"
            f"Could this occur elsewhere? *{ELSEWHERE[elsewhere]}*{where}"
        )
        _post_in_thread(session, g.nc, event, text, now)

    return _take(ctx, nc_id, Step.RECORD_ROOT_CAUSE, user, work)


@dataclass
class ActionForm:
    kind: str | None = None
    description: str | None = None
    owner: str | None = None
    due_date: str | None = None


def check_action(
    ctx: Context, form: ActionForm
) -> tuple[dict[str, str], tuple[str, str, str | None, date | None] | None]:
    errors: dict[str, str] = {}
    description = _clean(form.description)
    if form.kind not in ACTION_KINDS:
        errors["kind"] = "Choose corrective (removes the cause) or preventive (stops it elsewhere)."
    problem = _text_error(description, "action", TEXT_MAX, required=True)
    if problem:
        errors["description"] = problem
    owner_problem = assignee_error(ctx, form.owner)
    if owner_problem:
        errors["owner"] = owner_problem
    due_problem, due = due_date_error(ctx, form.due_date)
    if due_problem:
        errors["due_date"] = due_problem
    if errors:
        return errors, None
    assert form.kind and description
    return {}, (form.kind, description, form.owner, due)


def add_action(
    ctx: Context,
    nc_id: int,
    user: str,
    submission: str,
    kind: str,
    description: str,
    owner: str | None,
    due: date | None,
) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        # The status compare-and-set comes first: it locks the NC row, so concurrent
        # additions queue and number their actions A1, A2, … without clashing.
        before, after = _move(session, g.nc, Step.ADD_ACTION, now)
        action = store.add_action(
            session,
            {
                "nc_id": g.nc.id,
                "submission": submission,
                "kind": kind,
                "description": description,
                "owner": owner or g.nc.owner,
                "due_date": due or max(g.nc.due_date, ctx.today()),
                "status": "open",
                "created_by": user,
                "created_at": now,
            },
        )
        if action is None:
            raise AlreadyDone("This action was already added (the form was sent twice). Nothing was changed.")
        outbox_rows.cancel_pending(session, f"nc:{g.nc.id}:verify:")  # open actions again: nothing to verify yet
        event = _audit(
            session,
            g.nc,
            user,
            now,
            "action_added",
            {"status": before},
            {
                "status": after,
                "action": f"A{action.seq}",
                "kind": kind,
                "description": description,
                "owner": action.owner,
                "due_date": action.due_date.isoformat(),
            },
        )
        _post_in_thread(
            session, g.nc, event, f":hammer_and_wrench: {mention(user)} added {nc_blocks.action_added(action)}", now
        )
        if action.owner != user:
            note = nc_blocks.action_assigned(g.nc, action)
            enqueue(
                session,
                Nudge(f"nca:{action.id}:assigned", action.owner, note.text, note.blocks, record_ref=g.nc.number),
                now,
            )

    return _take(ctx, nc_id, Step.ADD_ACTION, user, work)


def complete_action(ctx: Context, nc_id: int, action_id: int, user: str, evidence: str) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        assert g.action is not None
        # Lock the NC first, so two actions finished at once still see each other and the
        # last one moves the NC to "actions done".
        if not store.move(session, g.nc, g.nc.status, updated_at=now):
            session.refresh(g.nc)
            raise _already(session, g.nc)
        if not store.complete_action(session, g.action, by=user, at=now, evidence=evidence):
            session.refresh(g.action)
            raise _action_already_done(g.nc, g.action)
        outbox_rows.cancel_pending(session, f"nca:{g.action.id}:")
        event = _audit(
            session,
            g.nc,
            user,
            now,
            "action_done",
            {"action": f"A{g.action.seq}", "status": "open"},
            {"action": f"A{g.action.seq}", "status": "done", "evidence": evidence},
        )
        _post_in_thread(
            session,
            g.nc,
            event,
            f":white_check_mark: {mention(user)} marked A{g.action.seq} done. Evidence:\n{safe(evidence, 2600)}",
            now,
        )
        if store.open_actions_count(session, g.nc.id) == 0:
            before, after = _move(session, g.nc, Step.COMPLETE_ACTIONS, now, actions_done_at=now)
            outbox_rows.cancel_pending(session, f"nc:{g.nc.id}:owner:")
            outbox_rows.cancel_pending(session, f"nc:{g.nc.id}:escalate:")
            event = _audit(session, g.nc, user, now, "actions_done", {"status": before}, {"status": after})
            _post_in_thread(
                session,
                g.nc,
                event,
                ":checkered_flag: All actions are done; the effectiveness check is next (a QMS manager who did none of the actions).",
                now,
            )

    return _take(ctx, nc_id, Step.COMPLETE_ACTIONS, user, work, action_id)


def verify(
    ctx: Context, nc_id: int, user: str, effective: bool, note: str | None, seen_version: int | None = None
) -> Nonconformity:
    step = Step.VERIFY_EFFECTIVE if effective else Step.VERIFY_NOT_EFFECTIVE

    def work(session: Session, g: Guarded, now: datetime) -> None:
        if effective:
            before, after = _move(session, g.nc, step, now, verified_by=user, verified_at=now, verification_note=note)
            text = f":white_check_mark: {mention(user)} verified the actions as *effective*."
        else:
            before, after = _move(
                session,
                g.nc,
                step,
                now,
                verified_by=None,
                verified_at=None,
                verification_note=note,
                failed_verifications=g.nc.failed_verifications + 1,
                actions_done_at=None,
            )
            text = f":x: {mention(user)} found the actions *not effective*; the NC goes back to root cause analysis."
        if note:
            text += f"\n{safe(note, 2500)}"
        outbox_rows.cancel_pending(session, f"nc:{g.nc.id}:verify:")
        event = _audit(
            session,
            g.nc,
            user,
            now,
            "effectiveness_verified" if effective else "effectiveness_not_verified",
            {"status": before},
            {"status": after, "effective": effective},
            note,
        )
        _post_in_thread(session, g.nc, event, text, now)

    return _take(ctx, nc_id, step, user, work, seen_version=seen_version)


def _stop_all_nudges(session: Session, nc: Nonconformity) -> None:
    assert nc.id is not None
    outbox_rows.cancel_pending(session, f"nc:{nc.id}:")
    for action in store.actions_of(session, nc.id):
        outbox_rows.cancel_pending(session, f"nca:{action.id}:")


def close(ctx: Context, nc_id: int, user: str, seen_version: int | None = None) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        before, after = _move(session, g.nc, Step.CLOSE, now, closed_by=user, closed_at=now)
        _stop_all_nudges(session, g.nc)
        event = _audit(session, g.nc, user, now, "closed", {"status": before}, {"status": after})
        _post_in_thread(session, g.nc, event, f":lock: {mention(user)} closed {g.nc.number}.", now)

    return _take(ctx, nc_id, Step.CLOSE, user, work, seen_version=seen_version)


def cancel(ctx: Context, nc_id: int, user: str, reason: str) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        before, after = _move(session, g.nc, Step.CANCEL, now, cancel_reason=reason, closed_by=user, closed_at=now)
        _stop_all_nudges(session, g.nc)
        event = _audit(session, g.nc, user, now, "cancelled", {"status": before}, {"status": after}, reason)
        _post_in_thread(
            session,
            g.nc,
            event,
            f":no_entry_sign: {mention(user)} cancelled {g.nc.number}: not a nonconformity.\n{safe(reason, 2500)}",
            now,
        )

    return _take(ctx, nc_id, Step.CANCEL, user, work)


def settle_recurrence(ctx: Context, nc_id: int, user: str, link: bool) -> Nonconformity:
    """A QMS manager links a possible recurrence (questioning the earlier NC's effectiveness) or dismisses it.

    Both cards change when linked: refresh `cards_touched(nc)`.
    """
    if not ctx.roles.is_manager(user):
        number = _number_of(ctx, nc_id)
        message = f"Only a QMS manager{_managers_named(ctx)} can decide whether {number} is a recurrence."
        _log_refusal(ctx, number, user, "settle_recurrence", message)
        raise NotAllowed(message)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        nc = store.get(session, nc_id)
        if nc is None:
            raise Refused("That NC no longer exists.")
        earlier_id = nc.possible_recurrence_of
        earlier = store.get(session, earlier_id) if earlier_id else None
        if earlier is None or not store.set_recurrence(
            session, nc_id, possible=None, linked=earlier_id if link else None, now=now
        ):
            raise _already(session, nc, "whether this is a recurrence was already decided")
        session.refresh(nc)
        if link:
            event = _audit(session, nc, user, now, "recurrence_linked", {}, {"recurrence_of": earlier.number})
            _post_in_thread(
                session,
                nc,
                event,
                f":repeat: {mention(user)} linked {nc.number} as a recurrence of {earlier.number}.",
                now,
            )
            event = _audit(session, earlier, user, now, "effectiveness_questioned", {}, {"recurred_as": nc.number})
            _post_in_thread(
                session,
                earlier,
                event,
                f":warning: {nc.number} was linked as a recurrence of this NC: the effectiveness of its actions is in question again.",
                now,
            )
        else:
            event = _audit(session, nc, user, now, "recurrence_dismissed", {}, {"not_a_recurrence_of": earlier.number})
            _post_in_thread(
                session, nc, event, f"{mention(user)} decided {nc.number} is not a recurrence of {earlier.number}.", now
            )
    return nc


# --- checking the step forms ---------------------------------------------------------------


def required_text(value: str | None, block: str, what: str, limit: int = TEXT_MAX) -> tuple[dict[str, str], str]:
    text = _clean(value)
    problem = _text_error(text, what, limit, required=True)
    return ({block: problem} if problem else {}), text or ""


def check_root_cause(method: str | None, cause: str | None, elsewhere: str | None, note: str | None) -> dict[str, str]:
    errors, _ = required_text(cause, "cause", "root cause")
    if method not in ROOT_CAUSE_METHODS:
        errors["method"] = "Choose the method you used."
    if elsewhere not in ELSEWHERE:
        errors["elsewhere"] = "Say whether this could occur elsewhere."
    note = _clean(note)
    if elsewhere == "yes" and note is None:
        errors["elsewhere_note"] = "Say where else it could occur, so a preventive action can cover it."
    elif note and len(note) > 1000:
        errors["elsewhere_note"] = "Keep this under 1000 characters."
    return errors


def check_verification(result: str | None, note: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if result not in ("effective", "not_effective"):
        errors["result"] = "Choose effective or not effective."
    note = _clean(note)
    if result == "not_effective" and note is None:
        errors["note"] = "Say what showed the actions did not work: the root cause analysis starts again from it."
    elif note and len(note) > TEXT_MAX:
        errors["note"] = f"Keep the note under {TEXT_MAX} characters."
    return errors


# --- finding things ----------------------------------------------------------------------


def list_reply(ctx: Context, user: str, which: str) -> Reply:
    """The first LIST_LIMIT, newest first, and how many there are: counted in the database,
    so a register of a million NCs never loads its open ones to show fifteen."""
    with ctx.db.session() as session:
        if which == "open":
            found, total = store.active(session, limit=LIST_LIMIT), store.count_active(session)
        elif which == "overdue":
            found, total = (
                store.overdue(session, ctx.today(), limit=LIST_LIMIT),
                store.count_active(session, overdue_on=ctx.today()),
            )
        else:
            found = store.involving(session, user)
            total = len(found)
    return nc_blocks.nc_list(which, found, ctx.today(), LIST_LIMIT, total)


def record_reply(ctx: Context, number: str) -> Reply:
    with ctx.db.session() as session:
        nc = store.by_number(session, number)
        if nc is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/nc list open` shows the open ones.")
        record = load_record(session, nc)
        # Snoozed reminders about the NC are on its trail too (record type "nudge").
        events = sorted(
            history(session, RECORD_TYPE, nc.number) + history(session, "nudge", nc.number), key=lambda e: e.id or 0
        )
    return nc_blocks.record_with_history(record, events, ctx.today(), ctx.settings)


# --- nudges ------------------------------------------------------------------------------


def nc_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """Reminders for NC owners and action owners, escalations, and verification requests."""
    local_today = now.astimezone(settings.zone).date()
    nudges: list[Nudge] = []
    escalate_to = manager_recipients(settings)
    for nc in store.active(session, share_lock=True):
        status = Status(nc.status)
        if status in (Status.OPEN, Status.CONTAINED, Status.ROOT_CAUSE_FOUND, Status.ACTIONS_PLANNED):
            stage = due_stage(nc.due_date, local_today, settings)
            if stage:
                reply = nc_blocks.nc_reminder(nc, stage, local_today)
                nudges.append(
                    Nudge(
                        f"nc:{nc.id}:owner:{nc.due_date:%Y%m%d}:{stage}",
                        nc.owner,
                        reply.text,
                        reply.blocks,
                        record_ref=nc.number,
                        snoozable=True,
                    )
                )
            if (local_today - nc.due_date).days >= settings.escalate_after_days:
                reply = nc_blocks.escalation(nc, None, local_today)
                for manager in escalate_to:
                    nudges.append(
                        Nudge(
                            f"nc:{nc.id}:escalate:{nc.due_date:%Y%m%d}:{nc.failed_verifications}:{manager}",
                            manager,
                            reply.text,
                            reply.blocks,
                            record_ref=nc.number,
                        )
                    )
        if (
            status is Status.ACTIONS_DONE
            and nc.actions_done_at
            and now >= nc.actions_done_at + timedelta(days=settings.verify_after_days)
        ):
            reply = nc_blocks.verification_due(nc)
            for manager in escalate_to:
                nudges.append(
                    Nudge(
                        f"nc:{nc.id}:verify:{nc.actions_done_at:%Y%m%d%H%M%S}:{manager}",
                        manager,
                        reply.text,
                        reply.blocks,
                        record_ref=nc.number,
                        snoozable=True,
                    )
                )
    for action, nc in store.open_actions(session, share_lock=True):
        stage = due_stage(action.due_date, local_today, settings)
        if stage:
            reply = nc_blocks.action_reminder(nc, action, stage, local_today)
            nudges.append(
                Nudge(
                    f"nca:{action.id}:{action.due_date:%Y%m%d}:{stage}",
                    action.owner,
                    reply.text,
                    reply.blocks,
                    record_ref=nc.number,
                    snoozable=True,
                )
            )
        if (local_today - action.due_date).days >= settings.escalate_after_days:
            reply = nc_blocks.escalation(nc, action, local_today)
            for manager in escalate_to:
                nudges.append(
                    Nudge(
                        f"nca:{action.id}:escalate:{action.due_date:%Y%m%d}:{manager}",
                        manager,
                        reply.text,
                        reply.blocks,
                        record_ref=nc.number,
                    )
                )
    return nudges
