"""The steps of a training round, each in one transaction: publish, acknowledge, ask, close."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.submissions import Submission, claim, record_made
from bot.surfaces.mrkdwn import mention, safe
from bot.training import blocks
from bot.training.forms import Publication, reference_key
from bot.training.nudges import ALL, COMPLETED, QUESTION, TO_PERSON, card_key, renewal_due_on
from storage import competence as competence_store
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


# --- publishing ----------------------------------------------------------------------------


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


def publish(
    ctx: Context, publisher: str, publication: Publication, submission: Submission | None = None
) -> tuple[TrainingRound | None, Audience]:
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
            claim(session, submission, RECORD_TYPE, now)
            training = store.add_round(
                session, _new_round(ctx, session, publisher, publication, audience, now), audience.people
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
            _register_follows(session, training, publisher, now)
            _queue_cards(session, training, now)
            record_made(session, submission, training.number)
            return training, audience
    except IntegrityError:
        log.info("the same revision was published twice at once; the second is dropped")
        return None, audience


def _new_round(
    ctx: Context, session: Session, publisher: str, publication: Publication, audience: Audience, now: datetime
) -> TrainingRound:
    return TrainingRound(
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
    )


def _register_follows(session: Session, training: TrainingRound, publisher: str, now: datetime) -> None:
    registered = documents_store.by_key(session, training.doc_key)
    if registered is not None and reference_key(registered.revision) != training.revision_key:
        # Published straight from /training new: the register follows, so it never
        # shows a revision older than the one people are reading.
        documents_store.set_revision(session, registered, training.revision, training.link or registered.link)
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


def _queue_cards(session: Session, training: TrainingRound, now: datetime) -> None:
    assert training.id is not None  # stored just before
    for assignment in store.people(session, training.id):
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


def add_people(
    session: Session, training: TrainingRound, people: list[str], by: str, why: str, now: datetime
) -> list[str]:
    """Add people to a round published before they needed it (they joined a role that
    requires it): each gets the card at once, and the trail says why. Returns who was added."""
    assert training.id is not None
    added = []
    for person in people:
        assignment = competence_store.assign(session, training.id, person)
        if assignment is None:
            continue  # already in the audience
        card = blocks.person_card(training, assignment)
        enqueue(
            session, Nudge(card_key(training, person), person, card.text, card.blocks, record_ref=training.number), now
        )
        added.append(person)
    if added:
        record_change(
            session,
            at=now,
            actor=by,
            record_type=RECORD_TYPE,
            record_ref=training.number,
            action="people_added",
            after={"people": added, "because": why},
        )
    return added


# --- acknowledging -------------------------------------------------------------------------


@dataclass
class Acknowledged:
    training: TrainingRound
    assignment: TrainingAssignment
    first_time: bool
    card_channel: str | None = None
    card_ts: str | None = None


def acknowledge(ctx: Context, assignment_id: int, user: str, seen: int | None = None) -> Acknowledged:
    """Pending → acknowledged once. Only the person it was sent to acknowledges, so a second
    press (a card drawn for an older version `seen`, or the same button twice) is told that
    they already did, and when."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        assignment = store.get_assignment(session, assignment_id)
        if assignment is None:
            raise Refused("That training no longer exists.")
        if assignment.person != user:
            raise NotAllowed("Only the person this training was sent to can acknowledge it.")
        training = store.get_round(session, assignment.round_id)
        assert training is not None
        renewing = _renewing(ctx, session, assignment, training)
        before = {"status": "pending"} if renewing is None else {"acknowledged_at": renewing}
        first = (store.renew if renewing else store.acknowledge)(session, assignment, seen, now)
        if first:
            # Reminders stop at once: the card (if still queued) and every reminder for this person.
            outbox_rows.cancel_pending(session, TO_PERSON.prefix(training=training.id, person=user))
            record_change(
                session,
                at=now,
                actor=user,
                record_type=RECORD_TYPE,
                record_ref=training.number,
                action="renewed" if renewing else "acknowledged",
                before=before,
                after={"status": "acknowledged", "revision": f"{training.doc_ref} rev {training.revision}"},
            )
            _tell_if_completed(ctx, session, training, now)
        card = store.card_of(session, card_key(training, user))
        return Acknowledged(training, assignment, first, card.channel if card else None, card.ts if card else None)


def _renewing(ctx: Context, session: Session, assignment: TrainingAssignment, training: TrainingRound) -> str | None:
    """The expired acknowledgement (ISO time) a press renews; None when it is not one."""
    if assignment.status != "acknowledged" or assignment.acknowledged_at is None:
        return None
    expires = renewal_due_on(session, assignment, training, ctx.settings.zone)
    if expires is None or ctx.today() < expires:
        return None  # still current: the press is a second one, answered as already done
    return assignment.acknowledged_at.isoformat()


def _tell_if_completed(ctx: Context, session: Session, training: TrainingRound, now: datetime) -> None:
    """The last acknowledgement hands the round back to its publisher, in their working hours
    (two last ones at once queue it once: the key is unique)."""
    assert training.id is not None  # a stored round
    if training.status != "open" or store.anyone_pending(session, training.id):
        return
    count = store.counts(session, [training.id])[training.id]
    note = blocks.completed(training, count, now, ctx.settings.zone)
    enqueue(
        session,
        Nudge(
            COMPLETED.key(training=training.id), training.publisher, note.text, note.blocks, record_ref=training.number
        ),
        now,
    )


# --- asking ----------------------------------------------------------------------------------


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


def ask(
    ctx: Context, assignment_id: int, user: str, question: str, submission: Submission | None = None
) -> TrainingRound:
    """Send a person's question to the publisher, with who asked and about what."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        training = _asked_about(session, assignment_id, user)
        record_made(session, submission, training.number)
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
                QUESTION.key(training=training.id, event=event.id),
                training.publisher,
                note.text,
                note.blocks,
                record_ref=training.number,
                in_working_hours=False,
            ),
            now,
        )
        return training


# --- closing ---------------------------------------------------------------------------------


def round_by_number(session: Session, number: str) -> TrainingRound:
    training = store.by_number(session, number)
    if training is None:
        raise Refused(f"There is no {safe(number.upper(), 40)}. `/training list` shows the open rounds.")
    return training


def close(ctx: Context, user: str, number: str) -> TrainingRound:
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        training = round_by_number(session, number)
        if training.publisher != user and not manager:
            raise NotAllowed(
                f"Only its publisher ({mention(training.publisher)}) or a QMS manager can close {training.number}."
            )
        if not store.close_round(session, training, by=user, at=now):
            raise Refused(f"{training.number} is already closed.")
        assert training.id is not None  # a stored round
        cancelled = outbox_rows.cancel_pending(session, ALL.prefix(training=training.id))
        count = store.counts(session, [training.id])[training.id]
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
