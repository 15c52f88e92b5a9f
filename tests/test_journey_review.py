"""A management review walked as its people would: the QMS manager schedules it for top
management, the attendees are invited and get the input pack, the QMS manager records the
meeting, an output action's owner marks it done. Counted per person (tests/journeys.py).

Before issue 18 (main at ba8d63c) the walk counted:

| person | interactions | navigations |
|---|---|---|
| quinn | 4 | 1 (typed MR-2026-0001) |
| anna | 2 | 0 |

Quinn organised the review without attending it, so no message of the bot's carried the
button to record it: he had to type `/review record MR-2026-0001`. Lena, a leader, was sent
**Record the meeting** in her pack, which only QMS managers may press.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from bot.reviews import compile_pack
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import ManagementReview
from tests.flows import card_for, publish, raise_nc, reload
from tests.journeys import Journey
from tests.test_journey_audit import NAMES, button_in_dms, press


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def tick(sb: Sandbox, clock: ManualClock, when: datetime) -> None:
    clock.set(when)
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()


def walk(sb: Sandbox, clock: ManualClock) -> Journey:
    with Journey(sb) as journey:
        sb.slack.command(QUINN, "/review", "schedule")
        sb.slack.submit(
            QUINN,
            sb.slack.last_view(),
            {"planned_date": "2026-12-10", "attendees": [LENA.id, BEN.id], "recurrence": "none"},
        )
        sb.ctx.sender.drain()
        tick(sb, clock, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # the pack, 7 days ahead

        # After the meeting (the same day), Quinn records it from what the bot sent him.
        clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
        press(sb, QUINN, "Record the meeting", ("/review", "record MR-2026-0001"))
        sb.slack.submit(
            QUINN,
            sb.slack.last_view(),
            {
                "held_on": "2026-12-10",
                "minutes": "The QMS is suitable; a second inspector is needed on line 2.",
                "action_1": "Hire a second QA inspector",
                "owner_1": ANNA.id,
                "due_1": "2027-01-15",
            },
        )
        sb.ctx.sender.drain()

        # Anna marks her output action done from the DM that gave it to her.
        press(sb, ANNA, "Mark done", ("/review", "MR-2026-0001"))
        sb.slack.submit(ANNA, sb.slack.last_view(), {"evidence": "Offer signed by the new inspector"})
    return journey


def test_a_management_review_needs_no_navigation(sb: Sandbox, clock: ManualClock) -> None:
    journey = walk(sb, clock)
    print("\n" + journey.table(NAMES))
    assert journey.navigations() == []
    assert journey.tally() == {QUINN.id: (4, 0), ANNA.id: (2, 0)}


def test_only_qms_managers_are_given_the_button_to_record_it(sb: Sandbox, clock: ManualClock) -> None:
    walk(sb, clock)
    for person in (LENA, BEN):
        assert button_in_dms(sb, person, "Record the meeting") is None, person
        assert button_in_dms(sb, person, "Input pack") is not None, person  # on the invitation


def test_the_pack_lists_what_happened(sb: Sandbox, clock: ManualClock) -> None:
    # A training round two of three have acknowledged, and an NC raised in the period.
    publish(sb, users=[ANNA.id, BEN.id, LENA.id], due_date="2026-12-20")
    sb.ctx.sender.drain()
    for person in (ANNA, BEN):
        sb.press(person, card_for(sb, person), "I've read and understood")
    nc = raise_nc(sb)
    walk(sb, clock)
    pack = [m for m in sb.fake.sent_messages(LENA.id) if m["text"].startswith("Input pack for")][-1]
    said = json.dumps(pack["blocks"], ensure_ascii=False)
    assert "TR-2026-0001" in said and "2 of 3 people acknowledged (67%)" in said
    assert f"<{reload(sb, nc).card_permalink}|{nc.number}>" in said  # named and linked, not only counted
    assert "Record the meeting" not in said  # Lena is a leader, not a QMS manager
    # The next pack lists the review held with its actions, the one done at a moment each reader sees in their zone.
    nxt = ManagementReview(
        number="MR-2027-0001",
        planned_date=date(2027, 6, 1),
        attendees=[LENA.id],
        recurrence="none",
        scheduled_by=QUINN.id,
        scheduled_at=clock.now(),
    )
    with sb.db.session() as session:
        earlier = compile_pack(session, sb.settings, nxt, date(2026, 12, 11)).sections[0].lines
    assert earlier[0] == "MR-2026-0001 held 10 Dec 2026: 1 output action"
    assert "A1 Hire a second QA inspector" in earlier[1] and "done <!date^" in earlier[1]
    recorded = [m["text"] for m in sb.fake.sent_messages(QUINN.id) if "held on" in m["text"]]
    assert recorded and all("with 1 output action." in t for t in recorded), recorded
