"""Customer feedback through the real app: log, complaints answered, complaint → NC, figures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.feedback import figures
from bot.standin.sandbox import ANNA, BEN, QMS_CHANNEL, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage import feedback as store
from storage.audit import history
from storage.db import Database
from storage.models import Feedback, Nonconformity, OutboxMessage
from tests.flows import COMPLAINT, entries, log
from tests.flows import complaint_card as card
from tests.flows import prefilled as form_prefilled

COMPLIMENT = {
    "kind": "compliment",
    "customer": "Müller GmbH",
    "product": "Pallet racking",
    "received_via": "call",
    "rating": 5,
    "text": "Delivery was early and the fitters were tidy.",
}


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def test_a_compliment_is_numbered_and_confirmed_without_a_card(sb: Sandbox) -> None:
    assert log(sb, **COMPLIMENT) == {}
    (entry,) = entries(sb)
    assert (entry.number, entry.kind, entry.rating, entry.received_on) == (
        "FB-2026-0001",
        "compliment",
        5,
        date(2026, 11, 25),
    )
    assert entry.owner is None and entry.card_ts is None
    sb.ctx.sender.drain()
    assert "logged *FB-2026-0001*, compliment from Müller GmbH" in sb.fake.sent_messages(BEN.id)[-1]["text"]
    assert sb.fake.sent_messages(QMS_CHANNEL) == []


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"text": "   "}, "text", "Enter the customer's words"),
        ({"rating": 6}, "rating", "from 1 to 5"),
        ({"rating": 0}, "rating", "from 1 to 5"),
        ({"received_on": "2026-11-26"}, "received_on", "cannot arrive in the future"),
        ({"kind": "survey", "rating": None}, "rating", "needs its rating"),
        ({"customer": ""}, "customer", "Enter the customer"),
    ],
)
def test_bad_input_is_answered_in_the_form(sb: Sandbox, change: dict[str, Any], block: str, says: str) -> None:
    answer = log(sb, **{**COMPLIMENT, **change})
    assert answer["response_action"] == "errors" and says in answer["errors"][block]
    assert entries(sb) == []


def test_feedback_from_a_message_keeps_the_text_and_the_link(sb: Sandbox) -> None:
    said = sb.fake.post_as(BEN.id, "C0SALES001", "Acme says the last delivery was 2 days late & the driver was rude")
    sb.fake.add_channel("C0SALES001", "sales", [BEN.id])
    sb.slack.message_shortcut(BEN, "log_feedback_from_message", said, "C0SALES001")
    view = sb.slack.last_view()
    text = next(b["element"]["initial_value"] for b in view["blocks"] if b["block_id"] == "text")
    assert text == "Acme says the last delivery was 2 days late & the driver was rude"
    sb.slack.submit(BEN, view, {**COMPLAINT, "text": text})
    shown = json.dumps(card(sb, entries(sb)[0])["blocks"])
    assert "p" + said["ts"].replace(".", "") in shown and "the original message" in shown


def test_a_complaints_owner_is_nudged_until_the_customer_is_answered(clock: ManualClock) -> None:
    with Sandbox(clock=clock, settings={"complaint_respond_days": 2}) as sb:
        assert log(sb, owner=ANNA.id, **COMPLAINT) == {}
        (entry,) = entries(sb)
        assert entry.owner == ANNA.id and entry.respond_by == date(2026, 11, 27)
        shown = card(sb, entry)
        assert shown["channel"] == QMS_CHANNEL and set(sb.buttons(shown)) == {
            "Raise nonconformity",
            "Customer answered",
        }
        sb.ctx.sender.drain()
        assert "You answer the customer for complaint" in sb.fake.sent_messages(ANNA.id)[-1]["text"]
        clock.advance(days=2)  # Friday: due today
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        assert "waiting for an answer today" in sb.fake.sent_messages(ANNA.id)[-1]["text"]
        sb.press(BEN, card(sb, entry), "Customer answered")
        assert "Only the complaint's owner (<@U0ANNA0001>) or a QMS manager" in sb.slack.last_response()["text"]
        clock.advance(days=3)  # Monday: overdue; a reminder is queued
        sb.ctx.nudges.derive()
        sb.press(ANNA, card(sb, entry), "Customer answered")
        with sb.db.session() as session:
            waiting = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.key.startswith(f"fb:{entry.id}:"), OutboxMessage.status == "pending"
                )
            ).all()  # type: ignore[attr-defined]
        assert waiting == []
        assert set(sb.buttons(card(sb, entry))) == {"Raise nonconformity", "Resolved"}
        sb.press(QUINN, card(sb, entry), "Resolved")
        done = entries(sb)[0]
        assert done.response == "resolved" and done.responded_by == ANNA.id and done.resolved_by == QUINN.id
        assert set(sb.buttons(card(sb, entry))) == {"Raise nonconformity"}
        with sb.db.session() as session:
            assert [e.action for e in history(session, "feedback", entry.number)] == ["logged", "responded", "resolved"]
        clock.advance(days=7)
        sb.ctx.nudges.derive()
        with sb.db.session() as session:
            assert (
                session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.key.startswith(f"fb:{entry.id}:"), OutboxMessage.status == "pending"
                    )
                ).all()
                == []
            )  # type: ignore[attr-defined]


def test_a_complaint_becomes_a_linked_nonconformity_once(clock: ManualClock, database_url: str) -> None:
    with Sandbox(clock=clock, database_url=database_url) as sb:
        log(sb, **COMPLAINT)
        (entry,) = entries(sb)
        sb.press(QUINN, card(sb, entry), "Raise nonconformity")
        view = sb.slack.last_view()
        prefilled = form_prefilled(view)
        assert prefilled["source"] == "customer_complaint" and prefilled["title"] == "Customer complaint: Acme Foods"
        assert "Third pallet this month" in prefilled["description"] and "FB-2026-0001" in prefilled["description"]
        sb.press(ANNA, card(sb, entry), "Raise nonconformity")
        second_view = sb.slack.last_view()
        answers = {
            "title": prefilled["title"],
            "description": prefilled["description"],
            "severity": "major",
            "source": "customer_complaint",
            "process": "Warehouse and logistics",
        }
        results: list[Any] = []
        threads = [
            threading.Thread(target=lambda p, v: results.append(sb.slack.submit(p, v, answers)), args=(p, v))
            for p, v in ((QUINN, view), (ANNA, second_view))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with sb.db.session() as session:
            ncs = session.exec(select(Nonconformity)).all()
        assert len(ncs) == 1 and ncs[0].number == "NC-2026-0001" and ncs[0].source == "customer_complaint"
        loser = [r.json() for r in results if r.content]
        assert len(loser) == 1 and "was raised as an NC a moment ago" in loser[0]["errors"]["title"]
        linked = entries(sb)[0]
        assert linked.nc_id == ncs[0].id
        complaint_card = card(sb, linked)
        assert "Raised as nonconformity *NC-2026-0001*" in json.dumps(
            complaint_card["blocks"]
        ) and "Raise nonconformity" not in sb.buttons(complaint_card)
        nc_card = sb.message(ncs[0].card_channel, ncs[0].card_ts)  # type: ignore[arg-type]
        assert "Raised from customer complaint" in json.dumps(nc_card["blocks"]) and "FB-2026-0001" in json.dumps(
            nc_card["blocks"]
        )
        stale = dict(
            complaint_card,
            blocks=[
                {
                    "type": "actions",
                    "block_id": "feedback_steps",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Raise nonconformity"},
                            "action_id": "feedback_raise_nc",
                            "value": str(linked.id),
                        }
                    ],
                }
            ],
        )
        sb.press(BEN, stale, "Raise nonconformity")
        assert "already raised as NC-2026-0001" in sb.slack.last_response()["text"]
        with sb.db.session() as session:
            assert [e.action for e in history(session, "feedback", linked.number)] == ["logged", "nc_raised"]


def test_list_record_and_stats_commands(sb: Sandbox) -> None:
    log(sb, **COMPLIMENT)
    log(sb, **COMPLAINT)
    sb.slack.command(ANNA, "/feedback", "list")
    shown = json.dumps(sb.slack.last_response()["blocks"], ensure_ascii=False)
    assert "Open complaints* (1)" in shown and "FB-2026-0001" in shown and "5/5" in shown
    sb.slack.command(ANNA, "/feedback", "fb-2026-0001")
    assert "Compliment from Müller GmbH" in json.dumps(sb.slack.last_response()["blocks"], ensure_ascii=False)
    sb.slack.command(ANNA, "/feedback", "stats 30")
    stats = json.dumps(sb.slack.last_response()["blocks"])
    assert "Average rating: *5*" in stats and "Complaints: *1*" in stats and "no data" in stats
    assert sb.slack.command(ANNA, "/feedback", "stats forever").json()["text"].startswith("Use `/feedback`")


def test_figures_match_a_hand_computed_data_set(db: Database) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    day = date(2026, 10, 1)

    def add(
        n: int, kind: str, rating: int | None, received: date, responded: datetime | None = None, nc: bool = False
    ) -> None:
        with db.session() as session:
            session.add(
                Feedback(
                    number=f"FB-2026-{n:04d}",
                    kind=kind,
                    customer="C",
                    received_via="email",
                    rating=rating,
                    text="t",
                    received_on=received,
                    logged_by="U0ANNA0001",
                    logged_at=datetime(2026, 10, 1, tzinfo=UTC),
                    responded_at=responded,
                    response="responded" if responded else "received",
                )
            )
        if nc:
            with db.session() as session:
                nc_row = Nonconformity(
                    number=f"NC-2026-{n:04d}",
                    title="x",
                    description="x",
                    severity="minor",
                    source="customer_complaint",
                    process="Sales",
                    owner="U0ANNA0001",
                    reporter="U0ANNA0001",
                    due_date=received,
                    raised_at=datetime(2026, 10, 1, tzinfo=UTC),
                    updated_at=datetime(2026, 10, 1, tzinfo=UTC),
                )
                session.add(nc_row)
                session.flush()
                store.link_nc(session, store.by_number(session, f"FB-2026-{n:04d}"), nc_row.id)  # type: ignore[arg-type]

    # In October: ratings 5, 4, 2 (survey) → 3.67; complaints: 4; 1 with an NC (25%);
    # answered after 1, 2 and 6 days (23:30 UTC on the 4th is already the 5th in Berlin, so
    # 2 days, not 1) → median 2; the unanswered one does not count.
    add(1, "compliment", 5, day)
    add(2, "survey", 4, day + timedelta(days=3))
    add(3, "survey", 2, day + timedelta(days=30))
    add(4, "complaint", None, day, datetime(2026, 10, 2, 9, tzinfo=UTC), nc=True)
    add(5, "complaint", None, day + timedelta(days=2), datetime(2026, 10, 4, 23, 30, tzinfo=UTC))
    add(6, "complaint", None, day + timedelta(days=10), datetime(2026, 10, 17, 8, tzinfo=UTC))
    add(7, "complaint", None, day + timedelta(days=20))
    # Outside the period: 30 September and 1 November.
    add(8, "complaint", 1, date(2026, 9, 30), datetime(2026, 10, 1, 9, tzinfo=UTC))
    add(9, "compliment", 5, date(2026, 11, 1))
    with db.session() as session:
        found = figures(session, date(2026, 10, 1), date(2026, 11, 1), berlin)
    assert (found.ratings, found.average_rating) == (3, 3.67)
    assert (found.complaints, found.complaints_with_nc, found.share_to_nc) == (4, 1, 0.25)
    assert found.median_days_to_respond == 2.0
    with db.session() as session:
        empty = figures(session, date(2025, 1, 1), date(2025, 2, 1), berlin)
    assert (empty.ratings, empty.average_rating, empty.complaints, empty.share_to_nc, empty.median_days_to_respond) == (
        0,
        None,
        0,
        None,
        None,
    )


def test_the_owner_answers_and_resolves_from_the_dm_and_the_logger_is_told(clock: ManualClock) -> None:
    """The owner's DM carries the next step and it works there; whoever logged the complaint
    hears each step, through the outbox in their working hours."""
    with Sandbox(clock=clock, settings={"complaint_respond_days": 2}) as sb:
        log(sb, BEN, owner=ANNA.id, **COMPLAINT)
        (entry,) = entries(sb)
        sb.ctx.sender.drain()
        assigned = sb.fake.sent_messages(ANNA.id)[-1]
        assert set(sb.buttons(assigned)) == {"Customer answered"}
        clock.advance(days=2)  # due today: the reminder carries the step too
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        reminder = sb.fake.sent_messages(ANNA.id)[-1]
        assert "waiting for an answer today" in reminder["text"]
        assert {"Customer answered", "Snooze"} <= set(sb.buttons(reminder))
        before = len(sb.fake.sent_messages(BEN.id))
        sb.press(ANNA, reminder, "Customer answered")
        assert entries(sb)[0].response == "responded"
        redrawn = sb.message(reminder["channel"], reminder["ts"])
        assert set(sb.buttons(redrawn)) == {"Resolved"} and "the customer was answered" in redrawn["text"]
        assert set(sb.buttons(card(sb, entry))) == {"Raise nonconformity", "Resolved"}  # the card follows
        clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))  # late evening for Ben in London
        sb.ctx.sender.drain()
        assert len(sb.fake.sent_messages(BEN.id)) == before  # held to his working hours
        sb.press(ANNA, redrawn, "Resolved")
        assert entries(sb)[0].response == "resolved"
        assert sb.buttons(sb.message(reminder["channel"], reminder["ts"])) == {}
        clock.advance(hours=11)  # Saturday 09:00 in London: the weekend waits for Monday
        clock.advance(days=2)
        sb.ctx.sender.drain()
        told = [m["text"] for m in sb.fake.sent_messages(BEN.id)[before:]]
        linked = f"<{entries(sb)[0].card_permalink}|{entry.number}>"
        about = f"Complaint *{linked}* that you logged ({COMPLAINT['customer']}): <@{ANNA.id}>"
        assert told == [f"{about} answered the customer.", f"{about} resolved it."]


def test_a_step_the_logger_took_is_not_told_back_to_them(sb: Sandbox) -> None:
    log(sb, ANNA, **COMPLAINT)  # Anna logs it and answers it herself
    (entry,) = entries(sb)
    sb.ctx.sender.drain()
    sb.press(ANNA, card(sb, entry), "Customer answered")
    with sb.db.session() as session:
        told = session.exec(select(OutboxMessage).where(OutboxMessage.key.startswith("fbtold:"))).all()  # type: ignore[attr-defined]
    assert told == []
