"""Issue 18's training journey, tallied per person (tests/journeys.py).

A QMS manager publishes a revision to a channel's members; they acknowledge from their DMs;
one forgets and is reminded; the manager checks where the round stands. The journey takes the
shortest way the bot offers at each step (a button where there is one, else the command a
person would type), so the same walk measures the code before and after issue 18.
"""

from __future__ import annotations

import json
from typing import Any

from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from tests.flows import FORM, card_for
from tests.journeys import Journey

FLOOR = "C0FLOOR001"
NAMES = {QUINN.id: "QMS manager (Quinn)", ANNA.id: "Anna (reads at once)", BEN.id: "Ben (forgets)"}


def check_status(sb: Sandbox, person: Person, message: dict[str, Any], number: str) -> dict[str, Any]:
    """Where the round stands: the message's **Status** button if it has one, else typed."""
    if "Status" in sb.buttons(message):
        sb.press(person, message, "Status")
    else:
        sb.slack.command(person, "/training", f"status {number}")
    return sb.slack.last_response()


def test_a_round_published_to_a_channel_is_read_from_the_dms(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        sb.fake.add_channel(FLOOR, "shop-floor", [ANNA.id, BEN.id, "U0QMSBOT01"])
        with Journey(sb) as journey:
            sb.slack.command(QUINN, "/training", "new")
            sb.slack.submit(QUINN, sb.slack.last_view(), {**FORM, "channels": [FLOOR]})
            report = sb.fake.sent_messages(QUINN.id)[-1]
            number = "TR-2026-0001"
            assert number in report["text"]
            sb.ctx.sender.drain()  # each person's card, in their DM
            sb.press(ANNA, card_for(sb, ANNA), "I've read and understood")

            status = check_status(sb, QUINN, report, number)
            assert status["text"] == f"{number}: 50% acknowledged (1/2)" and f"<@{BEN.id}>" in json.dumps(status)

            clock.advance(days=5)  # Monday: his reminder was due on Saturday, sent in working hours
            sb.ctx.nudges.derive()
            sb.ctx.sender.drain()
            reminder = sb.fake.sent_messages(BEN.id)[-1]
            assert reminder["text"].startswith("Reminder: please read SOP-012 rev C")
            assert reminder["channel"].startswith("D")  # his DM with the bot
            sb.press(BEN, reminder, "I've read and understood")

            sb.ctx.sender.drain()
            last = sb.fake.sent_messages(QUINN.id)[-1]  # on main: still the report
            status = check_status(sb, QUINN, last, number)
            assert status["text"] == f"{number}: 100% acknowledged (2/2)"
        print("\n" + journey.table(NAMES))
        assert journey.navigations() == []
        assert journey.tally() == {QUINN.id: (4, 0), ANNA.id: (1, 0), BEN.id: (1, 0)}
        told = [m for m in sb.fake.sent_messages(QUINN.id) if "Everyone has read" in json.dumps(m)]
        assert len(told) == 1 and told[0] is last  # the hand-off: told when it completes
