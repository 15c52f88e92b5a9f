"""Training rounds through the real app: publish, acknowledge, remind, escalate, restart mid-way."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.delivery.outbox import Sender
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import outbox as outbox_rows
from storage import trainings as store
from storage.audit import history
from storage.models import OutboxMessage, TrainingAssignment, TrainingRound
from tests.flows import FORM, card_for, publish, rounds

BOT = "U0QMSBOT01"
PACKING = "S0PACKING1"
FLOOR = "C0FLOOR001"


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        sandbox.fake.add_user("U0GONE0001", "gone", real_name="Gone Person", deleted=True)
        sandbox.fake.add_usergroup(PACKING, [ANNA.id, BEN.id, "U0GONE0001"], handle="packing-team")
        sandbox.fake.add_channel(FLOOR, "shop-floor", [BEN.id, LENA.id, BOT])
        yield sandbox


def assignment_of(sb: Sandbox, training: TrainingRound, person: Person) -> TrainingAssignment:
    with sb.db.session() as session:
        return next(a for a in store.people(session, training.id) if a.person == person.id)  # type: ignore[arg-type]


def last_text(sb: Sandbox) -> str:
    return str(sb.slack.last_response()["text"])


def test_publishing_resolves_people_groups_and_channels_once_without_bots(sb: Sandbox) -> None:
    assert publish(sb, users=[ANNA.id, BOT], groups=[PACKING], channels=[FLOOR]) == {}
    training = rounds(sb)[0]
    assert training.number == "TR-2026-0001" and training.publisher == QUINN.id
    with sb.db.session() as session:
        people = sorted(a.person for a in store.people(session, training.id))  # type: ignore[arg-type]
    assert people == sorted([ANNA.id, BEN.id, LENA.id])
    assert training.left_out == {"bots": 1, "deactivated": 1, "unknown": 0, "unreadable": []}
    assert training.audience == {"users": [ANNA.id, BOT], "groups": [PACKING], "channels": [FLOOR]}
    report = sb.fake.sent_messages(QUINN.id)[-1]["text"]
    assert "TR-2026-0001" in report and "to 3 people" in report and "1 bot and 1 deactivated account left out" in report
    sb.ctx.sender.drain()
    for person in (ANNA, BEN, LENA):
        card = card_for(sb, person)
        assert set(sb.buttons(card)) == {"I've read and understood", "Ask a question"}
        assert "Please read: SOP-012 rev C" in json.dumps(card["blocks"])
        assert "<https://docs.example/sop-012?rev=C&amp;lang=en|Open SOP-012 rev C>" in json.dumps(card["blocks"])
    assert len(sb.fake.calls_to("users.list")) == 1  # one page for the whole workspace, not users.info per person


def test_the_publish_form_offers_the_workspaces_user_groups(sb: Sandbox) -> None:
    sb.slack.command(QUINN, "/training", "new")
    groups = next(b for b in sb.slack.last_view()["blocks"] if b["block_id"] == "groups")
    assert [o["value"] for o in groups["element"]["options"]] == [PACKING]
    assert "@packing-team" in groups["element"]["options"][0]["text"]["text"]


def test_only_qms_managers_and_document_owners_publish(sb: Sandbox) -> None:
    views = len(sb.fake.calls_to("views.open"))
    sb.slack.command(ANNA, "/training", "new")
    assert "Only QMS managers and document owners" in last_text(sb)
    assert len(sb.fake.calls_to("views.open")) == views
    # A forged submission is refused on the server too.
    from bot.training.blocks import publish_modal

    forged = {**publish_modal([], sb.clock.now().date()), "id": "V0FORGED01"}  # type: ignore[attr-defined]
    answer = sb.slack.submit(ANNA, forged, {**FORM, "users": [BEN.id]}).json()
    assert (
        "Only QMS managers or the owner (who published its earlier revisions) can publish SOP-012"
        in answer["errors"]["doc_ref"]
    )
    assert rounds(sb) == []


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"title": "  "}, "title", "Enter the title"),
        ({"link": "javascript:alert(1)"}, "link", "starting with https://"),
        ({"due_date": "2026-11-01"}, "due_date", "cannot be in the past"),
        ({"summary": "x" * 2001}, "summary", "under 2000"),
        ({}, "users", "Choose who must read it"),
    ],
)
def test_bad_input_is_answered_in_the_form(sb: Sandbox, change: dict[str, Any], block: str, says: str) -> None:
    answer = publish(sb, **change)
    assert says in answer["errors"][block] and rounds(sb) == []


def test_acknowledging_updates_the_card_and_a_second_click_changes_nothing(sb: Sandbox) -> None:
    publish(sb, users=[ANNA.id, BEN.id])
    sb.ctx.sender.drain()
    card = copy.deepcopy(card_for(sb, ANNA))  # as it was, buttons and all
    sb.press(ANNA, card, "I've read and understood")
    updated = sb.message(card["channel"], card["ts"])
    # In each reader's own zone, with the organisation's time and zone where a client cannot show it.
    # (Sending moves the test's clock by the outbox's pacing: the moment is read off the record.)
    at = int(assignment_of(sb, rounds(sb)[0], ANNA).acknowledged_at.timestamp())  # type: ignore[union-attr]
    acknowledged = f"Acknowledged <!date^{at}^{{date_short_pretty}} at {{time}}|25 Nov 2026 10:00 Europe/Berlin>"
    assert acknowledged in json.dumps(updated["blocks"]) and sb.buttons(updated) == {}
    training = rounds(sb)[0]
    assert assignment_of(sb, training, ANNA).status == "acknowledged"
    sb.press(ANNA, card, "I've read and understood")  # the old buttons, clicked again
    assert last_text(sb) == f"You already acknowledged SOP-012 rev C {acknowledged.partition(' ')[2]}. Nothing changed."
    with sb.db.session() as session:
        assert [e.action for e in history(session, "training", training.number)] == ["published", "acknowledged"]
    # Ben's button clicked by Anna does nothing for Ben.
    bens = card_for(sb, BEN)
    sb.press(ANNA, bens, "I've read and understood")
    assert "Only the person this training was sent to" in last_text(sb)
    assert assignment_of(sb, training, BEN).status == "pending"


def test_a_new_revision_is_a_new_round_and_earlier_acknowledgements_stay(sb: Sandbox) -> None:
    publish(sb, users=[ANNA.id])
    sb.ctx.sender.drain()
    sb.press(ANNA, card_for(sb, ANNA), "I've read and understood")
    again = publish(sb, users=[ANNA.id], revision="c ")
    assert "already published as TR-2026-0001" in again["errors"]["revision"]
    assert publish(sb, users=[ANNA.id], revision="D", summary="Photos of damaged returns are required.") == {}
    first, second = rounds(sb)
    assert (
        assignment_of(sb, first, ANNA).status == "acknowledged" and assignment_of(sb, second, ANNA).status == "pending"
    )
    sb.ctx.sender.drain()
    assert "rev D" in json.dumps(card_for(sb, ANNA, "TR-2026-0002")["blocks"])
    sb.slack.command(ANNA, "/training", "me")
    shown = json.dumps(sb.slack.last_response()["blocks"])
    assert (
        "Still to read" in shown
        and "SOP-012 rev D" in shown
        and "SOP-012 rev C" in shown
        and "acknowledged 25 Nov 2026" in shown
    )


def test_reminders_come_at_the_cadence_and_stop_when_acknowledged(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"training_remind_every_days": 2}) as sb:
        publish(sb, users=[ANNA.id, BEN.id], due_date="2026-12-11")
        sb.ctx.sender.drain()
        training = rounds(sb)[0]
        clock.advance(days=1)
        sb.ctx.nudges.derive()
        assert not [k for k in keys(sb) if ":remind-" in k]
        clock.advance(days=1)  # Friday: 2 days after publishing
        sb.ctx.nudges.derive()
        assert {k for k in keys(sb) if ":remind-" in k} == {
            f"tr:{training.id}:{ANNA.id}:remind-1",
            f"tr:{training.id}:{BEN.id}:remind-1",
        }
        sb.ctx.sender.drain()
        reminder = sb.fake.sent_messages(ANNA.id)[-1]
        assert reminder["text"].startswith("Reminder: please read SOP-012 rev C")
        assert "Snooze" not in sb.buttons(reminder)  # the next reminder comes at the cadence anyway
        clock.advance(days=2)  # Sunday: Anna's next reminder waits for Monday
        sb.ctx.nudges.derive()
        sb.press(ANNA, reminder, "I've read and understood")  # from the reminder itself
        assert keys(sb)[f"tr:{training.id}:{ANNA.id}:remind-2"] == "cancelled"
        assert keys(sb)[f"tr:{training.id}:{BEN.id}:remind-2"] == "pending"
        assert "Acknowledged" in json.dumps(sb.message(reminder["channel"], reminder["ts"])["blocks"])
        card = card_for(sb, ANNA, "TR-2026-0001")
        assert "Acknowledged" in json.dumps(sb.message(card["channel"], card["ts"])["blocks"])  # the first card too
        clock.advance(days=2)
        sb.ctx.nudges.derive()
        assert not [k for k in keys(sb) if k.startswith(f"tr:{training.id}:{ANNA.id}:remind-3")]


def keys(sb: Sandbox) -> dict[str, str]:
    with sb.db.session() as session:
        return {r.key: r.status for r in session.exec(select(OutboxMessage))}


def test_after_the_due_date_publisher_and_managers_get_the_missing_list(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"managers": [QUINN.id, LENA.id]}) as sb:
        publish(sb, users=[ANNA.id, BEN.id], due_date="2026-11-27")
        sb.ctx.sender.drain()
        sb.press(BEN, card_for(sb, BEN), "I've read and understood")
        clock.advance(days=2)  # Friday 27th: due today, not overdue yet
        sb.ctx.nudges.derive()
        assert not [k for k in keys(sb) if ":overdue:" in k]
        clock.advance(days=3)  # Monday 30th
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        overdue = {k for k in keys(sb) if ":overdue:" in k}
        assert {k.rsplit(":", 1)[1] for k in overdue} == {QUINN.id, LENA.id}  # the publisher is a manager: told once
        text = next(m["text"] for m in sb.fake.sent_messages(LENA.id) if "still to read" in m["text"])
        assert "TR-2026-0001" in text and f"<@{ANNA.id}>" in text and f"<@{BEN.id}>" not in text


def test_status_list_matrix_and_close_respect_roles(sb: Sandbox) -> None:
    publish(sb, users=[ANNA.id, BEN.id])
    sb.ctx.sender.drain()
    sb.press(ANNA, card_for(sb, ANNA), "I've read and understood")
    sb.slack.command(BEN, "/training", "status TR-2026-0001")
    assert "Only its publisher (<@U0QUINN001>), QMS managers and leaders" in last_text(sb)
    sb.slack.command(LENA, "/training", "status tr-2026-0001")
    status = sb.slack.last_response()
    assert status["text"] == "TR-2026-0001: 50% acknowledged (1/2)" and f"<@{BEN.id}>" in json.dumps(status["blocks"])
    sb.slack.command(BEN, "/training", "list")
    assert "*50%* (1/2)" in json.dumps(sb.slack.last_response()["blocks"])
    sb.slack.command(BEN, "/training", "matrix")
    assert "Only QMS managers can see the training matrix" in last_text(sb)
    sb.slack.command(QUINN, "/training", "matrix")
    matrix = json.dumps(sb.slack.last_response()["blocks"], ensure_ascii=False)
    assert "*Anna Weber*: TR-2026-0001 ✓ 25 Nov" in matrix and "*Ben Okafor*: TR-2026-0001 pending" in matrix
    sb.slack.command(BEN, "/training", "close TR-2026-0001")
    assert "Only its publisher" in last_text(sb)
    sb.ctx.nudges.derive()
    sb.slack.command(QUINN, "/training", "close TR-2026-0001")
    assert "is closed" in last_text(sb) and rounds(sb)[0].status == "closed"
    sb.slack.command(QUINN, "/training", "close TR-2026-0001")
    assert "already closed" in last_text(sb)
    sb.clock.advance(days=10)  # type: ignore[attr-defined]
    sb.ctx.nudges.derive()
    assert not [k for k, v in keys(sb).items() if ":remind-" in k and v == "pending"]
    assert sb.slack.command(BEN, "/training", "status").json()["text"].startswith("Use `/training new`")
    sb.slack.command(BEN, "/training", "status TR-2026-0404")
    assert "There is no TR-2026-0404" in last_text(sb)


def test_a_question_reaches_the_publisher(sb: Sandbox) -> None:
    publish(sb, users=[ANNA.id])
    sb.ctx.sender.drain()
    card = card_for(sb, ANNA)
    sb.press(ANNA, card, "Ask a question")
    sb.slack.submit(ANNA, sb.slack.last_view(), {"question": "Does this apply to <!channel> returns from Austria?"})
    sb.ctx.sender.drain()
    question = sb.fake.sent_messages(QUINN.id)[-1]["text"]
    assert (
        f"<@{ANNA.id}> asks about *TR-2026-0001*" in question
        and "&lt;!channel&gt;" in question
        and "<!channel>" not in question
    )
    reply = sb.fake.sent_messages(ANNA.id)[-1]
    assert reply["thread_ts"] == card["ts"] and "went to <@U0QUINN001>" in reply["text"]


def test_a_thousand_person_round_goes_out_once_each_across_a_restart(clock: ManualClock, database_url: str) -> None:
    with Sandbox(clock=clock, database_url=database_url, settings={"outbox_per_second": 50}) as sb:
        people = [f"U0P{n:07d}" for n in range(1000)]
        for user_id in people:
            sb.fake.add_user(user_id, user_id.lower())
        sb.fake.add_channel("C0EVERYONE", "everyone", people + [BOT, people[0]])
        assert publish(sb, channels=["C0EVERYONE"]) == {}
        assert "to 1000 people" in sb.fake.sent_messages(QUINN.id)[-1]["text"]
        assert len(sb.fake.calls_to("users.list")) == math.ceil(
            len(sb.fake.users) / 200
        )  # 200 a page, not users.info each
        # Half way, the bot dies: one batch is claimed by the old process and never settled.
        for _ in range(10):
            sb.ctx.sender.send_due()
        with sb.db.session() as session:
            stranded = outbox_rows.claim_due(
                session, now=clock.now(), limit=50, lease=timedelta(seconds=120), worker="dead-process"
            )
        assert len(stranded) == 50 and len(sb.fake.sent_messages()) < 1000
        # A new process starts; the dead one's rows come back when their lease runs out.
        restarted = Sender(
            sb.db, sb.ctx.sender.client, sb.ctx.directory, sb.settings, clock, "new-process", sb.ctx.sender.renderers
        )
        restarted.drain()
        clock.advance(seconds=121)
        restarted.drain()
        delivered = Counter(
            m["channel"] for m in sb.fake.sent_messages() if m["text"].startswith("Please read SOP-012")
        )
        assert len(delivered) == 1000 and set(delivered.values()) == {1}
        with sb.db.session() as session:
            assert (
                session.exec(
                    select(OutboxMessage).where(OutboxMessage.key.startswith("tr:"), OutboxMessage.status != "sent")
                ).all()
                == []
            )  # type: ignore[attr-defined]


def test_an_unreadable_channel_publishes_nothing_and_says_what_to_do(sb: Sandbox) -> None:
    sb.fake.fail("conversations.members", "channel_not_found")
    assert publish(sb, users=[ANNA.id], channels=["G0PRIVATE1"]) == {}
    assert rounds(sb) == []
    told = sb.fake.sent_messages(QUINN.id)[-1]["text"]
    assert "Nothing was published" in told and "<#G0PRIVATE1>" in told and "/invite @qms" in told
    assert publish(sb, users=[ANNA.id]) == {} and len(rounds(sb)) == 1  # the same revision can go out now


def test_a_failure_after_the_form_closed_is_told_to_the_publisher(sb: Sandbox) -> None:
    sb.fake.fail("users.list", "fatal_error", times=None)
    assert publish(sb, users=[ANNA.id]) == {}
    assert rounds(sb) == [] and "Publishing failed on our side" in sb.fake.sent_messages(QUINN.id)[-1]["text"]


def test_revisions_are_checked_and_escaped(sb: Sandbox) -> None:
    assert "as it is printed" in publish(sb, users=[ANNA.id], revision="<!here>")["errors"]["revision"]
    assert "as it is printed" in publish(sb, users=[ANNA.id], doc_ref="<https://x|y>")["errors"]["doc_ref"]


def test_with_managers_as_a_user_group_the_overdue_list_goes_to_the_qms_channel(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"managers": ["S0QMSTEAM1"]}) as sb:
        sb.fake.add_usergroup("S0QMSTEAM1", [QUINN.id])
        publish(sb, users=[ANNA.id], due_date="2026-11-26")
        clock.advance(days=5)
        sb.ctx.nudges.derive()
        overdue = sorted(k.rsplit(":", 1)[1] for k in keys(sb) if ":overdue:" in k)
        assert overdue == sorted([QUINN.id, sb.settings.channel])


def test_where_the_bot_names_a_round_status_is_a_button_that_works_there(clock: ManualClock) -> None:
    """The publisher's report, the question, the missing list and `/training list` for a
    manager carry **Status**; pressed by someone who may not see who is missing, it says so."""
    with Sandbox(clock=clock) as sb:
        publish(sb, users=[ANNA.id, BEN.id], due_date="2026-11-27")
        report = sb.fake.sent_messages(QUINN.id)[-1]
        assert "/training status" not in report["text"] and set(sb.buttons(report)) == {"Status"}
        sb.press(QUINN, report, "Status")
        assert sb.slack.last_response()["text"] == "TR-2026-0001: 0% acknowledged (0/2)"
        sb.ctx.sender.drain()
        sb.press(ANNA, card_for(sb, ANNA), "Ask a question")
        sb.slack.submit(ANNA, sb.slack.last_view(), {"question": "Austria too?"})
        sb.ctx.sender.drain()
        question = sb.fake.sent_messages(QUINN.id)[-1]
        assert set(sb.buttons(question)) == {"Status"} and "/training status" not in json.dumps(question)
        sb.press(BEN, report, "Status")  # a forwarded button: the server checks who presses
        assert "Only its publisher (<@U0QUINN001>), QMS managers and leaders" in last_text(sb)
        sb.slack.command(QUINN, "/training", "list")
        assert {"Status"} == set(_accessories(sb.slack.last_response()))
        sb.slack.command(BEN, "/training", "list")
        assert _accessories(sb.slack.last_response()) == []  # not for someone who may not press it
        clock.advance(days=5)  # Monday 30th: overdue
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        missing = next(m for m in sb.fake.sent_messages(QUINN.id) if "still to read" in m["text"])
        assert set(sb.buttons(missing)) == {"Status"}


def _accessories(message: dict[str, Any]) -> list[str]:
    return [b["accessory"]["text"]["text"] for b in message.get("blocks") or [] if b.get("accessory")]


def test_the_publisher_is_told_once_when_everyone_has_read_it(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        publish(sb, users=[ANNA.id, BEN.id])
        sb.ctx.sender.drain()
        told = len(sb.fake.sent_messages(QUINN.id))
        sb.press(ANNA, card_for(sb, ANNA), "I've read and understood")
        sb.ctx.sender.drain()
        assert len(sb.fake.sent_messages(QUINN.id)) == told  # one still to read
        clock.set(datetime(2026, 11, 25, 21, 30, tzinfo=UTC))  # 22:30 in Berlin: Quinn's evening
        card = copy.deepcopy(card_for(sb, BEN))  # as it was, buttons and all
        sb.press(BEN, card, "I've read and understood")
        sb.press(BEN, card, "I've read and understood")  # twice: still one note
        sb.ctx.sender.drain()
        assert len(sb.fake.sent_messages(QUINN.id)) == told  # in working hours
        clock.advance(hours=11)
        sb.ctx.sender.drain()
        (done,) = sb.fake.sent_messages(QUINN.id)[told:]
        assert (
            "Everyone has read *TR-2026-0001* (SOP-012 rev C): 2 acknowledgements" in done["blocks"][0]["text"]["text"]
        )
        assert "<!date^1795642200^{date_short_pretty} at {time}|25 Nov 2026 22:30 Europe/Berlin>" in json.dumps(done)
        sb.press(QUINN, done, "Status")
        assert sb.slack.last_response()["text"] == "TR-2026-0001: 100% acknowledged (2/2)"
