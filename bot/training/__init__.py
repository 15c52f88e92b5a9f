"""Training and awareness (ISO 9001 7.2, 7.3): publish a revision, collect "read and understood".

A round is one document revision sent to an audience resolved to people at publish time.
Each person's card goes out through the outbox, written in the same transaction as the
round, so a 1,000-person round is sent completely and once even across a restart. Pending
people are reminded every QMS_TRAINING_REMIND_EVERY_DAYS; after the due date the publisher
and the QMS managers get the list of who is still missing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.due import manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.training import blocks
from bot.workspace.roles import Role
from storage import documents as documents_store
from storage import outbox as outbox_rows
from storage import trainings as store
from storage.audit import record_change
from storage.models import TrainingAssignment, TrainingRound
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

RECORD_TYPE = "training"
NUMBER = re.compile(r"^TR-(\d{4})-(\d{4,})$", re.IGNORECASE)
LINK = re.compile(r"^https?://[^\s<>|]+$")
DOC_REF = re.compile(r"^[\w][\w./ -]*$")
REVISION = re.compile(r"^[\w][\w. -]*$")
TITLE_MAX, DOC_MAX, REV_MAX, LINK_MAX, SUMMARY_MAX, QUESTION_MAX = 150, 40, 20, 1000, 2000, 2000
PENDING_SHOWN = 30
DEFAULT_DUE_DAYS = 14


def reference_key(text: str) -> str:
    """How a document reference or revision is compared: case and spacing do not matter."""
    return re.sub(r"\s+", " ", text.strip()).casefold()


# --- publishing ----------------------------------------------------------------------------


def may_publish(ctx: Context, user: str) -> None:
    """QMS managers publish anything; document owners (in the register, or who published a
    document before the register held it) publish revisions."""
    if ctx.roles.is_manager(user):
        return
    with ctx.db.session() as session:
        if documents_store.owned_by(session, user) or store.has_published(session, user):
            return
    raise NotAllowed("Only QMS managers and document owners can publish a training. Ask your QMS manager.")


@dataclass
class PublishForm:
    title: str | None = None
    doc_ref: str | None = None
    revision: str | None = None
    link: str | None = None
    summary: str | None = None
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    due_date: str | None = None


@dataclass
class Publication:
    title: str
    doc_ref: str
    revision: str
    link: str | None
    summary: str
    users: list[str]
    groups: list[str]
    channels: list[str]
    due_date: date


def check_publish(ctx: Context, user: str, form: PublishForm) -> tuple[dict[str, str], Publication | None]:
    errors: dict[str, str] = {}
    values: dict[str, str | None] = {}
    for name, what, limit, required in (
        ("title", "title", TITLE_MAX, True),
        ("doc_ref", "document reference", DOC_MAX, True),
        ("revision", "revision", REV_MAX, True),
        ("link", "link", LINK_MAX, False),
        ("summary", "summary of what changed", SUMMARY_MAX, True),
    ):
        value = (getattr(form, name) or "").strip() or None
        values[name] = value
        if value is None and required:
            errors[name] = f"Enter the {what}."
        elif value is not None and len(value) > limit:
            errors[name] = f"Keep the {what} under {limit} characters (it has {len(value)})."
    if values["doc_ref"] and "doc_ref" not in errors and not DOC_REF.match(values["doc_ref"]):
        errors["doc_ref"] = "Use the document's reference as it is printed, such as SOP-012."
    if values["revision"] and "revision" not in errors and not REVISION.match(values["revision"]):
        errors["revision"] = "Use the revision as it is printed, such as C or 2.1."
    for name, limit in (("doc_ref", DOC_MAX), ("revision", REV_MAX)):
        if values[name] and name not in errors and len(reference_key(values[name] or "")) > limit:
            errors[name] = f"Keep this under {limit} characters."
    if values["link"] and "link" not in errors and not LINK.match(values["link"]):
        errors["link"] = "Give a web address starting with https:// (or leave it empty)."
    if not (form.users or form.groups or form.channels):
        errors["users"] = "Choose who must read it: people, user groups or channels (any mix)."
    due = None
    try:
        due = date.fromisoformat(form.due_date) if form.due_date else None
    except ValueError:
        errors["due_date"] = "Choose the due date from the calendar."
    if due is None and "due_date" not in errors:
        errors["due_date"] = "Choose by when people must have read it."
    elif due is not None and due < ctx.today():
        errors["due_date"] = f"The due date cannot be in the past; today is {ctx.today():%d %b %Y}."
    if not errors:
        doc_key, rev_key = reference_key(values["doc_ref"] or ""), reference_key(values["revision"] or "")
        manager = ctx.roles.is_manager(user)
        with ctx.db.session() as session:
            earlier = store.by_revision(session, doc_key, rev_key)
            registered = documents_store.by_key(session, doc_key)
            # The register names the owner; before a document is registered, whoever published it before.
            owners = [registered.owner] if registered else store.publishers_of(session, doc_key)
        if earlier is not None:
            errors["revision"] = (
                f"{values['doc_ref']} rev {values['revision']} was already published as {earlier.number}; a new revision starts a new round."
            )
        elif not manager and user not in owners:
            whose = (
                "its owner in the document register"
                if registered
                else "the owner (who published its earlier revisions)"
            )
            errors["doc_ref"] = f"Only QMS managers or {whose} can publish {values['doc_ref']}."
    if errors:
        return errors, None
    assert due is not None
    return {}, Publication(
        values["title"] or "",
        values["doc_ref"] or "",
        values["revision"] or "",
        values["link"],
        values["summary"] or "",
        list(dict.fromkeys(form.users)),
        list(dict.fromkeys(form.groups)),
        list(dict.fromkeys(form.channels)),
        due,
    )


@dataclass
class Audience:
    people: list[str]
    bots: int = 0
    deactivated: int = 0
    unknown: int = 0
    unreadable: list[str] = field(default_factory=list)  # channels or groups Slack would not list


def resolve_audience(ctx: Context, publication: Publication) -> Audience:
    """Everyone the publication concerns, each once, without bots and deactivated accounts."""
    chosen: list[str] = list(publication.users)
    unreadable: list[str] = []
    for group in publication.groups:
        try:
            chosen += sorted(ctx.directory.group_members(group))
        except SlackApiError:
            unreadable.append(group)
    for channel in publication.channels:
        try:
            chosen += ctx.directory.channel_members(channel)
        except SlackApiError:
            unreadable.append(channel)
    everyone = ctx.directory.everyone()
    audience = Audience([], unreadable=unreadable)
    for user_id in dict.fromkeys(chosen):
        person = everyone.get(user_id)
        if person is None:
            audience.unknown += 1
        elif person.is_bot:
            audience.bots += 1
        elif person.deleted:
            audience.deactivated += 1
        else:
            audience.people.append(user_id)
    return audience


def publish(ctx: Context, publisher: str, publication: Publication) -> tuple[TrainingRound | None, Audience]:
    """Store the round, its people and every person's card in one transaction.

    Returns no round when nobody is left to read it, when a chosen channel or group could not
    be read (publishing to part of an audience would leave the rest out for good, since the
    revision cannot be published twice), or when the same revision was just published by
    someone else (a double submission).
    """
    audience = resolve_audience(ctx, publication)  # Slack calls: before the transaction
    if not audience.people or audience.unreadable:
        return None, audience
    now = ctx.clock.now()
    try:
        with ctx.db.session() as session:
            training = store.add_round(
                session,
                TrainingRound(
                    number=next_number(session, "TR", now.astimezone(ctx.settings.zone).year),
                    title=publication.title,
                    doc_ref=publication.doc_ref,
                    revision=publication.revision,
                    doc_key=reference_key(publication.doc_ref),
                    revision_key=reference_key(publication.revision),
                    link=publication.link,
                    summary=publication.summary,
                    due_date=publication.due_date,
                    publisher=publisher,
                    published_at=now,
                    audience={
                        "users": publication.users,
                        "groups": publication.groups,
                        "channels": publication.channels,
                    },
                    left_out={
                        "bots": audience.bots,
                        "deactivated": audience.deactivated,
                        "unknown": audience.unknown,
                        "unreadable": audience.unreadable,
                    },
                ),
                audience.people,
            )
            record_change(
                session,
                at=now,
                actor=publisher,
                record_type=RECORD_TYPE,
                record_ref=training.number,
                action="published",
                after={
                    "doc_ref": training.doc_ref,
                    "revision": training.revision,
                    "people": len(audience.people),
                    "due_date": training.due_date.isoformat(),
                    **(training.left_out or {}),
                },
            )
            registered = documents_store.by_key(session, training.doc_key)
            if registered is not None and reference_key(registered.revision) != training.revision_key:
                # Published straight from /training new: the register follows, so it never
                # shows a revision older than the one people are reading.
                documents_store.set_revision(
                    session, registered.id or 0, training.revision, training.link or registered.link
                )
                record_change(
                    session,
                    at=now,
                    actor=publisher,
                    record_type="document",
                    record_ref=registered.reference,
                    action="revision_published",
                    before={"revision": registered.revision},
                    after={"revision": training.revision, "training": training.number},
                )
            for assignment in store.people(session, training.id):  # type: ignore[arg-type]
                card = blocks.person_card(training, assignment)
                enqueue(
                    session,
                    Nudge(
                        card_key(training, assignment.person),
                        assignment.person,
                        card.text,
                        card.blocks,
                        record_ref=training.number,
                    ),
                    now,
                )
            return training, audience
    except IntegrityError:
        log.info("the same revision was published twice at once; the second is dropped")
        return None, audience


def card_key(training: TrainingRound, person: str) -> str:
    return f"tr:{training.id}:{person}:card"


# --- acknowledging -------------------------------------------------------------------------


@dataclass
class Acknowledged:
    training: TrainingRound
    assignment: TrainingAssignment
    first_time: bool
    card_channel: str | None = None
    card_ts: str | None = None


def acknowledge(ctx: Context, assignment_id: int, user: str) -> Acknowledged:
    now = ctx.clock.now()
    with ctx.db.session() as session:
        assignment = store.get_assignment(session, assignment_id)
        if assignment is None:
            raise Refused("That training no longer exists.")
        if assignment.person != user:
            raise NotAllowed("Only the person this training was sent to can acknowledge it.")
        training = store.get_round(session, assignment.round_id)
        assert training is not None
        first = store.acknowledge(session, assignment, now)
        if first:
            # Reminders stop at once: the card (if still queued) and every reminder for this person.
            outbox_rows.cancel_pending(session, f"tr:{training.id}:{user}:")
            record_change(
                session,
                at=now,
                actor=user,
                record_type=RECORD_TYPE,
                record_ref=training.number,
                action="acknowledged",
                before={"status": "pending"},
                after={"status": "acknowledged", "revision": f"{training.doc_ref} rev {training.revision}"},
            )
        card = store.card_of(session, card_key(training, user))
        return Acknowledged(training, assignment, first, card.channel if card else None, card.ts if card else None)


def show_acknowledged(ctx: Context, done: Acknowledged, *also: tuple[str | None, str | None]) -> None:
    """Turn the person's card (and the message they clicked) into "Acknowledged on <date>"."""
    reply = blocks.acknowledged_card(done.training, done.assignment, ctx.settings.zone)
    for channel, ts in dict.fromkeys([(done.card_channel, done.card_ts), *also]):
        if not (channel and ts):
            continue
        try:
            ctx.client.chat_update(channel=channel, ts=ts, **reply.as_kwargs())
        except SlackApiError as exc:
            log.warning("could not update a training card: %s", exc.response.get("error"))


def check_question(text: str | None) -> tuple[dict[str, str], str]:
    question = (text or "").strip()
    if not question:
        return {"question": "Write your question."}, ""
    if len(question) > QUESTION_MAX:
        return {"question": f"Keep the question under {QUESTION_MAX} characters."}, ""
    return {}, question


def _asked_about(session: Session, assignment_id: int, user: str) -> TrainingRound:
    """The round a question is about, if `user` is the person it was sent to."""
    assignment = store.get_assignment(session, assignment_id)
    training = store.get_round(session, assignment.round_id) if assignment else None
    if assignment is None or training is None or assignment.person != user:
        raise NotAllowed("Only the person this training was sent to can ask about it here.")
    return training


def question_about(ctx: Context, assignment_id: int, user: str) -> TrainingRound:
    """On the "Ask a question" click: checked on the server before the form opens."""
    with ctx.db.session() as session:
        return _asked_about(session, assignment_id, user)


def ask(ctx: Context, assignment_id: int, user: str, question: str) -> TrainingRound:
    """Send a person's question to the publisher, with who asked and about what."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        training = _asked_about(session, assignment_id, user)
        event = record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=training.number,
            action="question_asked",
            note=question,
        )
        note = blocks.question_for_publisher(training, user, question)
        enqueue(
            session,
            Nudge(
                f"trq:{training.id}:{event.id}",
                training.publisher,
                note.text,
                note.blocks,
                record_ref=training.number,
                in_working_hours=False,
            ),
            now,
        )
        return training


# --- seeing where things stand --------------------------------------------------------------


def _round(session: Session, number: str) -> TrainingRound:
    training = store.by_number(session, number)
    if training is None:
        raise Refused(f"There is no {safe(number.upper(), 40)}. `/training list` shows the open rounds.")
    return training


def status_reply(ctx: Context, user: str, number: str) -> Reply:
    roles = ctx.roles.of(user)
    with ctx.db.session() as session:
        training = _round(session, number)
        if training.publisher != user and not roles & {Role.QMS_MANAGER, Role.LEADER}:
            raise NotAllowed(
                f"Only its publisher ({mention(training.publisher)}), QMS managers and leaders can see who has not read {training.number} yet."
            )
        count = store.counts(session, [training.id])[training.id]  # type: ignore[list-item]
        pending = [a.person for a in store.people(session, training.id, "pending")]  # type: ignore[arg-type]
    return blocks.status(training, count, pending, ctx.today(), PENDING_SHOWN)


def me_reply(ctx: Context, user: str) -> Reply:
    with ctx.db.session() as session:
        record = store.of_person(session, user)
    return blocks.my_record(record, ctx.settings.zone)


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        rounds = store.open_rounds(session)
        count = store.counts(session, [r.id for r in rounds if r.id])
    return blocks.round_list(rounds, count, ctx.today())


def matrix_reply(ctx: Context, user: str) -> Reply:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="see the training matrix")
    with ctx.db.session() as session:
        rows = store.matrix(session)
    everyone = ctx.directory.everyone()  # one users.list, not users.info per person
    return blocks.matrix(rows, lambda uid: everyone[uid].name if uid in everyone else uid, ctx.settings.zone)


def close(ctx: Context, user: str, number: str) -> TrainingRound:
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        training = _round(session, number)
        if training.publisher != user and not manager:
            raise NotAllowed(
                f"Only its publisher ({mention(training.publisher)}) or a QMS manager can close {training.number}."
            )
        if not store.close_round(session, training, by=user, at=now):
            raise Refused(f"{training.number} is already closed.")
        cancelled = outbox_rows.cancel_pending(session, f"tr:{training.id}:")
        count = store.counts(session, [training.id])[training.id]  # type: ignore[list-item]
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=training.number,
            action="closed",
            before={"status": "open"},
            after={"status": "closed", **count, "reminders_withdrawn": cancelled},
        )
        return training


# --- nudges ----------------------------------------------------------------------------------


def training_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """Reminders to pending people; after the due date, the missing list to publisher and managers."""
    local_today = now.astimezone(settings.zone).date()
    every = settings.training_remind_every_days
    nudges: list[Nudge] = []
    existing: dict[int, set[str]] = {}
    pending_by_round: dict[int, tuple[TrainingRound, list[str]]] = {}
    for assignment, training in store.pending_in_open_rounds(session):
        assert training.id is not None
        if training.id not in existing:
            existing[training.id] = outbox_rows.keys_with_prefix(session, f"tr:{training.id}:")
        pending_by_round.setdefault(training.id, (training, []))[1].append(assignment.person)
        days = (local_today - training.published_at.astimezone(settings.zone).date()).days
        if days < every:
            continue
        key = f"tr:{training.id}:{assignment.person}:remind-{days // every}"
        if key in existing[training.id]:
            continue  # already queued: skip the insert attempt (a round may have thousands)
        reminder = blocks.reminder(training, assignment, local_today)
        # Not snoozable: the next reminder comes at the cadence anyway; a snoozed copy would only add one.
        nudges.append(Nudge(key, assignment.person, reminder.text, reminder.blocks, record_ref=training.number))
    for training_id, (training, pending) in pending_by_round.items():
        days_over = (local_today - training.due_date).days
        if days_over < 1:
            continue
        overdue = blocks.overdue_list(training, pending, local_today, PENDING_SHOWN)
        for recipient in dict.fromkeys([training.publisher, *manager_recipients(settings)]):
            key = f"tr:{training_id}:overdue:{(days_over - 1) // 7}:{recipient}"
            if key not in existing[training_id]:
                nudges.append(Nudge(key, recipient, overdue.text, overdue.blocks, record_ref=training.number))
    return nudges


def due_default(ctx: Context) -> date:
    return ctx.today() + timedelta(days=DEFAULT_DUE_DAYS)
