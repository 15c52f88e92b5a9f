"""What people are shown: where a round stands, their own record, the matrix; and what a step
changed (the acknowledged card, the publisher's report once a round went out)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.errors import NotAllowed
from bot.submissions import Resubmitted, Submission
from bot.surfaces.blocks import Reply, actions, section
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from bot.training import blocks
from bot.training.forms import Publication
from bot.training.nudges import PENDING_SHOWN
from bot.training.rules import Acknowledged, Audience, publish, round_by_number
from bot.workspace.roles import Role
from storage import trainings as store
from storage.models import TrainingRound

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.context import Context

log = logging.getLogger(__name__)


# --- seeing where things stand --------------------------------------------------------------


def status_reply(ctx: Context, user: str, number: str) -> Reply:
    roles = ctx.roles.of(user)
    with ctx.db.session() as session:
        training = round_by_number(session, number)
        if training.publisher != user and not roles & {Role.QMS_MANAGER, Role.LEADER}:
            raise NotAllowed(
                f"Only its publisher ({mention(training.publisher)}), QMS managers and leaders can see who has not read {training.number} yet."
            )
        assert training.id is not None  # a stored round
        count = store.counts(session, [training.id])[training.id]
        pending = [a.person for a in store.people(session, training.id, "pending")]
    return blocks.status(training, count, pending, ctx.today(), PENDING_SHOWN)


def me_reply(ctx: Context, user: str) -> Reply:
    with ctx.db.session() as session:
        record = store.of_person(session, user)
    return blocks.my_record(record, ctx.settings.zone)


def list_reply(ctx: Context, user: str | None = None) -> Reply:
    """The open rounds; each with a **Status** button for a QMS manager or leader (a
    publisher presses it on their own round's messages)."""
    with ctx.db.session() as session:
        rounds = store.open_rounds(session)
        count = store.counts(session, [r.id for r in rounds if r.id])
    may_see = user is not None and bool(ctx.roles.of(user) & {Role.QMS_MANAGER, Role.LEADER})
    return blocks.round_list(rounds, count, ctx.today(), with_status=may_see)


def matrix_reply(ctx: Context, user: str) -> Reply:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="see the training matrix")
    with ctx.db.session() as session:
        rows = store.matrix(session)
    everyone = ctx.directory.everyone()  # one users.list, not users.info per person
    return blocks.matrix(rows, lambda uid: everyone[uid].name if uid in everyone else uid, ctx.settings.zone)


# --- what a step changed ---------------------------------------------------------------------


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


def _tell(client: WebClient, user: str, said: str | Reply) -> None:
    reply = said if isinstance(said, Reply) else Reply(said)
    try:
        client.chat_postMessage(channel=user, **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not tell %s: %s", user, exc.response.get("error"))


def publish_and_report(
    ctx: Context, client: WebClient, publisher: str, publication: Publication, submission: Submission | None = None
) -> str | None:
    """Publish a round after the form has closed, tell the publisher by DM how it went; its number."""
    try:
        published, audience = publish(ctx, publisher, publication, submission)
    except Resubmitted:  # the form was sent twice: answered as the first was, by the caller
        raise
    except Exception:  # the modal is closed: whatever happens, the publisher hears of it
        log.exception("publishing %s rev %s failed", publication.doc_ref, publication.revision)
        _tell(
            client,
            publisher,
            "Publishing failed on our side and nothing was sent or stored. Please try `/training new` again in a minute.",
        )
        return None
    _tell(client, publisher, publish_report(publication, published, audience))
    return published.number if published is not None else None


def publisher_of(ctx: Context, number: str) -> str:
    """Who published a round: the person its questions go to."""
    with ctx.db.session() as session:
        return round_by_number(session, number).publisher


def report_again(ctx: Context, client: WebClient, publisher: str, number: str) -> None:
    """The publisher's report once more (the form was sent twice), drawn from the round as stored."""
    with ctx.db.session() as session:
        training = round_by_number(session, number)
        people = [a.person for a in store.people(session, training.id or 0)]
    left = training.left_out or {}
    audience = Audience(people, left.get("bots", 0), left.get("deactivated", 0), left.get("unknown", 0))
    _tell(client, publisher, _published(training, audience))


def _left_out(audience: Audience) -> str:
    skipped = [
        plural(n, one, many)
        for n, one, many in (
            (audience.bots, "bot", None),
            (audience.deactivated, "deactivated account", None),
            (audience.unknown, "person outside this workspace", "people outside this workspace"),
        )
        if n
    ]
    return (" and ".join(skipped) + " left out") if skipped else "nobody left out"


def _published(published: TrainingRound, audience: Audience) -> Reply:
    text = (
        f":mega: *{published.number}* published: {safe(published.doc_ref, 40)} rev {safe(published.revision, 20)} "
        f"to {plural(len(audience.people), 'person', 'people')} ({_left_out(audience)}). Each gets a card in their working hours. "
        "*Status* shows who has read it; you hear from me when everyone has."
    )
    return Reply(text, [section(text), actions("training_published_next", [blocks.status_button(published)])])


def publish_report(publication: Publication, published: TrainingRound | None, audience: Audience) -> str | Reply:
    """What the publisher is told: the round and its audience, or why nothing was published."""
    if audience.unreadable:
        return (
            f"Nothing was published: I could not read the members of {', '.join(mention(c) for c in audience.unreadable)}. "
            "Invite me to that channel (`/invite @qms`) or leave it out, then publish again."
        )
    if published is not None:
        return _published(published, audience)
    if audience.people:
        return f"{safe(publication.doc_ref, 40)} rev {safe(publication.revision, 20)} was published at the same moment by someone else; nothing more was sent."
    return f"Nothing was published: nobody in that audience can read it ({_left_out(audience)})."
