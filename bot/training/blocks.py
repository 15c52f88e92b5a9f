"""Block Kit for training rounds: the publish form, the person's card, status and lists. Pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery.versions import drawn
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    context,
    datepicker,
    header,
    input_block,
    modal,
    multi_channels_select,
    multi_static_select,
    multi_users_select,
    section,
    text_input,
)
from bot.surfaces.mrkdwn import escape, mention, safe
from bot.surfaces.words import moment, plural
from storage.models import TrainingAssignment, TrainingRound

ROUNDS_WITH_BUTTONS = 20  # a message holds 50 blocks: the rest of a long list is counted


def publish_modal(groups: list[tuple[str, str]], due: date) -> dict[str, Any]:
    blocks = [
        input_block(
            "title", "Title", text_input("value", max_length=150, placeholder="e.g. Handling of customer returns")
        ),
        input_block("doc_ref", "Document reference", text_input("value", max_length=40, placeholder="e.g. SOP-012")),
        input_block("revision", "Revision", text_input("value", max_length=20, placeholder="e.g. C")),
        input_block(
            "link", "Link to the document", text_input("value", max_length=1000, placeholder="https://…"), optional=True
        ),
        input_block(
            "summary",
            "What changed",
            text_input(
                "value",
                multiline=True,
                max_length=2000,
                placeholder="In two or three lines: what is new, what people must do differently",
            ),
        ),
    ]
    return modal(Callback.TRAINING_PUBLISH, "Publish training", blocks + audience_inputs(groups, due), submit="Publish")


def audience_inputs(groups: list[tuple[str, str]], due: date, *, optional_due: bool = False) -> list[dict[str, Any]]:
    """Who must read it (people, user groups, channel members) and by when: the publish form's
    inputs, also used when a document owner records a revision."""
    blocks = [
        input_block(
            "users",
            "People",
            multi_users_select("value"),
            optional=True,
            hint="Mix people, user groups and channels: everyone is asked once; bots and deactivated accounts are left out.",
        ),
    ]
    if groups:
        blocks.append(
            input_block(
                "groups",
                "User groups",
                multi_static_select("value", [(label, gid) for gid, label in groups], placeholder="Choose user groups"),
                optional=True,
            )
        )
    blocks += [
        input_block("channels", "Channel members", multi_channels_select("value"), optional=True),
        input_block("due_date", "Read by", datepicker("value", initial=due), optional=optional_due),
    ]
    return blocks


def _what(training: TrainingRound) -> str:
    return f"{safe(training.doc_ref, 40)} rev {safe(training.revision, 20)}"


def _link(training: TrainingRound) -> str:
    if not training.link:
        return ""
    # Checked at publish time: http(s), no spaces, no < > |.
    return f"\n<{training.link.replace('&', '&amp;')}|Open {_what(training)}>"


def _body(training: TrainingRound) -> list[dict[str, Any]]:
    body = [
        header(f"Please read: {training.doc_ref} rev {training.revision}"),
        section(f"*{safe(training.title, 200)}*\n{safe(training.summary, 2600)}"),
    ]
    if training.link:  # a section of its own, so a long summary can never cut the link
        body.append(section(_link(training).strip()))
    return body + [
        context(f"{training.number} · from {mention(training.publisher)} · read by *{training.due_date:%a %d %b %Y}*")
    ]


def person_card(training: TrainingRound, assignment: TrainingAssignment) -> Reply:
    text = f"Please read {_what(training)} and confirm: {safe(training.title, 200)}"
    buttons = actions(
        "training_card",
        [
            button("I've read and understood", Action.TRAINING_ACK, drawn(assignment), style="primary"),
            button("Ask a question", Action.TRAINING_QUESTION, str(assignment.id)),
        ],
    )
    return Reply(text, _body(training) + [buttons])


def status_button(training: TrainingRound) -> dict[str, Any]:
    """Where the round stands, for its publisher, QMS managers and leaders (checked on the
    server): the round's number, since pressing it only reads."""
    return button("Status", Action.TRAINING_STATUS, training.number)


def acknowledged_card(training: TrainingRound, assignment: TrainingAssignment, zone: ZoneInfo) -> Reply:
    when = assignment.acknowledged_at
    done = f":white_check_mark: Acknowledged {moment(when, zone)}" if when else ":white_check_mark: Acknowledged"
    return Reply(f"{_what(training)}: acknowledged", _body(training) + [context(done)])


def renewal_card(
    training: TrainingRound, assignment: TrainingAssignment, expired: date, reminded: date | None = None
) -> Reply:
    """The card again when an acknowledgement expired: read it and confirm once more."""
    again = ":alarm_clock: Reminder: " if reminded else ":repeat: "
    note = section(
        f"{again}Your acknowledgement of {_what(training)} expired on {expired:%d %b %Y}: "
        "your role asks for it to be renewed. Please read it again and confirm."
    )
    card = person_card(training, assignment)
    return Reply(f"Please renew: {_what(training)} (expired {expired:%d %b %Y})", [note] + card.blocks)


def reminder(training: TrainingRound, assignment: TrainingAssignment, today: date) -> Reply:
    days = (training.due_date - today).days
    when = (
        f"due in {days} days"
        if days > 1
        else ("due tomorrow" if days == 1 else ("due today" if days == 0 else f"*{plural(-days, 'day')} overdue*"))
    )
    card = person_card(training, assignment)
    note = section(f":alarm_clock: Reminder: you have not confirmed {_what(training)} yet ({when}).")
    return Reply(f"Reminder: please read {_what(training)}", [note] + card.blocks)


def question_modal(training: TrainingRound, assignment_id: int, channel: str, ts: str) -> dict[str, Any]:
    blocks = [
        section(f"Your question about *{_what(training)}* goes to {mention(training.publisher)}, who published it."),
        input_block("question", "Your question", text_input("value", multiline=True, max_length=2000)),
    ]
    return modal(
        Callback.TRAINING_QUESTION,
        "Ask a question",
        blocks,
        submit="Send",
        private_metadata=f"{assignment_id}|{channel}|{ts}",
    )


def question_for_publisher(training: TrainingRound, asker: str, question: str) -> Reply:
    text = (
        f":raising_hand: {mention(asker)} asks about *{training.number}* ({_what(training)}):\n>{safe(question, 2000).replace(chr(10), chr(10) + '>')}\n"
        f"Reply to {mention(asker)} directly; *Status* shows who has read it."
    )
    return Reply(text, [section(text), actions("training_question_next", [status_button(training)])])


def percent(count: dict[str, int]) -> int:
    total = count["pending"] + count["acknowledged"]
    return round(100 * count["acknowledged"] / total) if total else 0


def status(training: TrainingRound, count: dict[str, int], pending: list[str], today: date, shown: int) -> Reply:
    total = count["pending"] + count["acknowledged"]
    state = (
        "closed"
        if training.status == "closed"
        else f"read by {training.due_date:%d %b %Y}" + (" · *overdue*" if training.due_date < today and pending else "")
    )
    lines = [
        f"*{training.number}* · {_what(training)} · {safe(training.title, 150)}",
        f"*{percent(count)}%* done: {count['acknowledged']} of {total} acknowledged, {count['pending']} pending · {state}",
    ]
    left = training.left_out or {}
    if any(left.get(k) for k in ("bots", "deactivated", "unknown")):
        lines.append(
            f"Left out at publishing: {plural(left.get('bots', 0), 'bot')}, {left.get('deactivated', 0)} deactivated, {left.get('unknown', 0)} not in this workspace"
        )
    body = [section("\n".join(lines))]
    if pending:
        body.append(section("*Not yet read*\n" + _people(pending, shown)))
    return Reply(f"{training.number}: {percent(count)}% acknowledged ({count['acknowledged']}/{total})", body)


def _people(people: list[str], shown: int) -> str:
    listed = ", ".join(mention(p) for p in people[:shown])
    return listed + (f" … and {len(people) - shown} more" if len(people) > shown else "")


def overdue_list(training: TrainingRound, pending: list[str], today: date, shown: int) -> Reply:
    days = (today - training.due_date).days
    text = f":rotating_light: *{training.number}* ({_what(training)}) was due {plural(days, 'day')} ago; {len(pending)} still to read: {_people(pending, shown)}"
    return Reply(text, [section(text), actions("training_overdue_next", [status_button(training)])])


def completed(training: TrainingRound, count: dict[str, int], last: datetime, zone: ZoneInfo) -> Reply:
    """To the publisher once the last person has acknowledged: the round is done."""
    everyone = count["acknowledged"]
    text = (
        f":tada: Everyone has read *{training.number}* ({_what(training)}): "
        f"{plural(everyone, 'acknowledgement')}, the last {moment(last, zone)}. No reminders are left to send."
    )
    return Reply(
        f"{training.number}: everyone has read it",
        [section(text), actions("training_completed_next", [status_button(training)])],
    )


def my_record(record: list[tuple[TrainingAssignment, TrainingRound]], zone: tzinfo) -> Reply:
    todo = [(a, t) for a, t in record if a.status == "pending" and t.status == "open"]
    done = [(a, t) for a, t in record if a.status == "acknowledged"]
    blocks: list[dict[str, Any]] = []
    if todo:
        blocks.append(section(f"*Still to read* ({len(todo)})"))
        for assignment, training in todo[:10]:
            blocks.append(
                section(
                    f"*{_what(training)}* · {safe(training.title, 150)} · read by {training.due_date:%d %b %Y}{_link(training)}"
                )
            )
            blocks.append(
                actions(
                    f"training_me_{assignment.id}",
                    [button("I've read and understood", Action.TRAINING_ACK, drawn(assignment), style="primary")],
                )
            )
        if len(todo) > 10:
            blocks.append(context(f"… and {len(todo) - 10} more"))
    else:
        blocks.append(section("Nothing to read: you are up to date. :tada:"))
    history = [f"{_what(t)} · {safe(t.title, 100)} · acknowledged {_when(a.acknowledged_at, zone)}" for a, t in done]
    blocks.append(
        section(
            "*Your training record*\n"
            + (capped_lines(history, 2900, max_lines=20) if history else "_No acknowledgements yet._")
        )
    )
    return Reply(f"Training: {len(todo)} to read, {len(done)} acknowledged", blocks)


def _when(at: datetime | None, zone: tzinfo) -> str:
    return f"{at.astimezone(zone):%d %b %Y}" if at else ""


def round_list(
    rounds: list[TrainingRound], counts: dict[int, dict[str, int]], today: date, *, with_status: bool = False
) -> Reply:
    """The open rounds; `with_status` (for a reader who may see who is missing) puts a
    **Status** button beside each of the first ROUNDS_WITH_BUTTONS."""
    if not rounds:
        return Reply("No open training rounds. QMS managers publish one with `/training new`.")
    lines = []
    for training in rounds:
        count = counts.get(training.id or 0, {"pending": 0, "acknowledged": 0})
        overdue = " · *overdue*" if training.due_date < today and count["pending"] else ""
        lines.append(
            f"*{training.number}* · {_what(training)} · {safe(training.title, 100)} · *{percent(count)}%* ({count['acknowledged']}/{count['acknowledged'] + count['pending']}) · by {training.due_date:%d %b}{overdue}"
        )
    heading = section(f"*Open training rounds* ({len(rounds)})")
    if not with_status:
        return Reply(
            f"Open training rounds: {len(rounds)}", [heading, section(capped_lines(lines, 2900, max_lines=25))]
        )
    shown = [
        section(line, accessory=status_button(training))
        for line, training in zip(lines[:ROUNDS_WITH_BUTTONS], rounds, strict=False)
    ]
    more = [context(f"… and {len(rounds) - ROUNDS_WITH_BUTTONS} more")] if len(rounds) > ROUNDS_WITH_BUTTONS else []
    return Reply(f"Open training rounds: {len(rounds)}", [heading, *shown, *more])


def matrix(rows: list[tuple[str, str, str, datetime | None]], name_of: Callable[[str], str], zone: tzinfo) -> Reply:
    """People × rounds, one line per person; the first 40 people, the rest counted."""
    if not rows:
        return Reply("No training rounds yet.")
    by_person: dict[str, list[str]] = {}
    for person, number, state, at in rows:
        mark = f"✓ {at.astimezone(zone):%d %b}" if state == "acknowledged" and at else "pending"
        by_person.setdefault(person, []).append(f"{number} {mark}")
    lines = [
        f"*{escape(name_of(person))}*: " + ", ".join(entries)
        for person, entries in sorted(by_person.items(), key=lambda kv: name_of(kv[0]))
    ]
    return Reply(
        f"Training matrix: {len(by_person)} people",
        [section("*Training matrix*"), section(capped_lines(lines, 2900, max_lines=40))],
    )
