"""Issue 18's digest journey, tallied per person (tests/journeys.py).

On Tuesday 1 December a leader asks for the digest: this week two NCs were raised and one
closed, a management review was held with an output action, and a training round is half
read. She reads it and opens records from it: the NC raised this week, and who has not read
the round yet. The journey takes the shortest way the bot offers (a link or a button where
there is one, else the command a person would type), so the same walk measures the code
before and after issue 18.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import Nonconformity
from tests.flows import card_for, close_quickly, nc_card, publish, raise_nc, reload, the_reviews
from tests.journeys import Journey

NAMES = {LENA.id: "leader (Lena)"}
PERMALINK = re.compile(r"<(https://[^|>]+/archives/(\w+)/p(\d+))\|(NC-2026-\d{4})>")


def this_week(sb: Sandbox) -> tuple[Nonconformity, str]:
    """Two NCs raised and one closed this week, a review held with one action, a round half read."""
    closed = raise_nc(sb, ANNA, title="Label missing on batch 4711", owner=ANNA.id)
    still_open = raise_nc(sb, BEN, title="Wrong torque on line 2", owner=BEN.id)
    close_quickly(sb, closed)
    sb.slack.command(QUINN, "/review", "schedule")
    sb.slack.submit(
        QUINN, sb.slack.last_view(), {"planned_date": "2026-12-01", "attendees": [LENA.id], "recurrence": "none"}
    )
    review = the_reviews(sb)[-1].number
    sb.slack.command(QUINN, "/review", f"record {review}")
    sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {
            "held_on": "2026-12-01",
            "minutes": "Objectives reviewed",
            "action_1": "Second label printer for line 2",
            "owner_1": BEN.id,
            "due_1": "2027-01-15",
        },
    )
    publish(sb, users=[ANNA.id, BEN.id], due_date="2026-12-11")
    sb.ctx.sender.drain()
    sb.press(ANNA, card_for(sb, ANNA), "I've read and understood")
    return still_open, review


def open_nc(sb: Sandbox, digest: dict[str, Any], number: str) -> dict[str, Any]:
    """The NC's card: followed from its link in the digest if there is one, else asked for by number."""
    links = {m[4]: (m[2], m[3]) for m in PERMALINK.finditer(json.dumps(digest))}
    if number in links:  # a link: no interaction with the bot, and the card is in a channel she is in
        channel, digits = links[number]
        assert LENA.id in sb.fake.channels[channel]["members"]
        return sb.message(channel, f"{digits[:-6]}.{digits[-6:]}")
    sb.slack.command(LENA, "/nc", number)
    return sb.slack.last_response()


def round_status(sb: Sandbox, digest: dict[str, Any], number: str) -> dict[str, Any]:
    """Who has not read the round: its **Status** button in the digest if there is one, else typed."""
    for block in digest.get("blocks") or []:
        accessory = block.get("accessory") or {}
        if accessory.get("value") == number and accessory.get("type") == "button":
            sb.slack.click(LENA, accessory["action_id"], number, message=digest, block_id=block.get("block_id", "s"))
            return sb.slack.last_response()
    sb.slack.command(LENA, "/training", f"status {number}")
    return sb.slack.last_response()


def test_a_leader_reads_the_digest_and_opens_records_from_it(clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Berlin
    with Sandbox(clock=clock) as sb:
        raised, review = this_week(sb)
        nc_number = raised.number
        with Journey(sb) as journey:
            sb.slack.command(LENA, "/qms", "digest")
            digest = sb.slack.last_response()
            card = open_nc(sb, digest, nc_number)
            status = round_status(sb, digest, "TR-2026-0001")
        print("\n" + journey.table(NAMES))
        shown = json.dumps(digest["blocks"], ensure_ascii=False)
        assert card["text"].startswith(nc_number) and status["text"] == "TR-2026-0001: 50% acknowledged (1/2)"
        assert "This week so far (since Mon 30 Nov): raised *2* · closed *1*" in shown
        nc = reload(sb, raised)
        assert f"<{nc.card_permalink}|{nc.number}>" in shown and nc_card(sb, nc)["ts"] == card["ts"]
        assert (
            f"*{review}* · held 01 Dec · 1 output action" in shown and "A1 · Second label printer for line 2" in shown
        )
        assert "TR-2026-0001 · SOP-012 rev C · *50%* (1/2)" in shown
        assert journey.navigations() == []
        assert journey.tally() == {LENA.id: (2, 0)}  # the digest, and Status; the NC is a link
