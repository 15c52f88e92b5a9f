"""The digest's line on nonconforming output: what was scrapped, reworked and otherwise decided
in the week (decisions authorised in it) and the cost of poor quality, then the week so far;
no line when nothing was authorised."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.digest import Digest, render
from bot.feedback.replies import Figures as Customers
from bot.outputs import Figures
from bot.outputs.replies import Line
from bot.standin.sandbox import ANNA, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage.models import Nonconformity
from tests.extremes import accepted
from tests.flows import OUTPUT, raise_nc, step

TUESDAY = datetime(2026, 11, 24, 9, tzinfo=UTC)  # week 48, covered by Monday 30 November's digest


def decide(sb: Sandbox, nc: Nonconformity, **answers: Any) -> None:
    assert step(sb, ANNA, nc, "Record disposition", {"reason": "Seen at goods-in", **answers}) == {}


def authorise(sb: Sandbox, approver: Person, seq: int, nc: Nonconformity) -> None:
    sb.ctx.sender.drain()
    request = next(
        m
        for m in reversed(sb.fake.sent_messages(approver.id))
        if f"D{seq}" in str(m.get("blocks")) and nc.number in str(m.get("blocks"))
    )
    sb.press(approver, request, "Authorise")


def asked_digest(sb: Sandbox) -> str:
    sb.slack.command(LENA, "/qms", "digest")
    return json.dumps(sb.slack.last_response()["blocks"], ensure_ascii=False)


def test_the_digest_shows_the_weeks_scrap_and_rework_and_their_cost_then_the_week_so_far(
    clock: ManualClock, database_url: str
) -> None:
    clock.set(TUESDAY)
    settings = {"disposition_approvers": [QUINN.id, LENA.id], "leaders": [LENA.id]}
    with Sandbox(clock=clock, database_url=database_url, settings=settings) as sb:
        housings = raise_nc(sb, owner=ANNA.id, title="Cracked housings")
        assert step(sb, ANNA, housings, "Affected output", OUTPUT) == {}  # 240 pcs at 2.5 each
        decide(sb, housings, kind="rework", quantity="200")
        decide(sb, housings, kind="scrap", quantity="40")
        labels = raise_nc(sb, owner=ANNA.id, title="Labels misprinted")
        assert step(sb, ANNA, labels, "Affected output", {"item": "Label L-3", "quantity": "12"}) == {}
        decide(sb, labels, kind="concession", quantity="12", concession_ref="C-2026-14")
        # Recorded, not yet authorised: nothing counts, and the digest has no line for it.
        assert "Nonconforming output" not in asked_digest(sb)

        authorise(sb, LENA, 1, housings)
        authorise(sb, LENA, 2, housings)
        clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # Monday 08:00 in Berlin: the digest is due
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        (digest,) = [m for m in sb.fake.sent_messages(LENA.id) if m["text"].startswith("Quality digest")]
        shown = json.dumps(digest["blocks"], ensure_ascii=False)
        assert (
            "Last week: *40 pcs* scrapped · *200 pcs* reworked or repaired · cost of poor quality *600.00*" in shown
        ), shown
        assert "This week so far: none" in shown

        clock.set(datetime(2026, 12, 1, 9, tzinfo=UTC))
        authorise(sb, QUINN, 1, labels)  # this week: a concession, which adds no cost
        shown = asked_digest(sb)
        assert "Last week: *40 pcs* scrapped · *200 pcs* reworked or repaired · cost of poor quality *600.00*" in shown
        assert "This week so far: *12 pcs* use as is under concession" in shown
        assert "This week so far: *12 pcs* use as is under concession · cost" not in shown


def a_digest(output: Figures, so_far: Figures | None = None) -> Digest:
    today = date(2026, 12, 1)
    return Digest(
        week="2026-W48",
        first=today - timedelta(days=8),
        last=today - timedelta(days=2),
        raised=0,
        raised_before=0,
        closed=0,
        closed_before=0,
        open_by_severity={},
        overdue_actions=[],
        overdue_action_count=0,
        rounds=[],
        customers=Customers(0, None, 0, 0, None, None),
        customers_before=Customers(0, None, 0, 0, None, None),
        ncs_due=[],
        rounds_due=[],
        objectives=[],
        today=today,
        output=output,
        output_so_far=so_far or Figures(),
    )


def test_units_are_summed_apart_and_output_without_a_cost_is_said_to_be_left_out() -> None:
    figures = Figures(
        [
            Line("Production", "2026-11", "pcs", scrapped=40, reworked=200, cost=600),
            Line("Purchasing", "2026-11", "pcs", scrapped=1000, cost=0),
            Line("Production", "2026-11", "kg", scrapped=12.5),
        ],
        uncosted=2,
        others={("recall", "pcs"): 3, ("concession", "pcs"): 12},
    )
    reply = render(a_digest(figures))
    shown = json.dumps(reply.blocks, ensure_ascii=False)
    assert (
        "Last week: *12.5 kg + 1,040 pcs* scrapped · *200 pcs* reworked or repaired · "
        "*12 pcs* use as is under concession · *3 pcs* recall or withdraw · "
        "cost of poor quality *600.00* (2 decisions without a cost per unit not in it)"
    ) in shown, shown
    assert accepted(reply) == []
    # Nothing authorised in either period: no line at all.
    assert "Nonconforming output" not in json.dumps(render(a_digest(Figures())).blocks)
    # Only the week so far had some: both periods are said.
    shown = json.dumps(render(a_digest(Figures(), figures)).blocks, ensure_ascii=False)
    assert "Last week: none" in shown and "This week so far: *12.5 kg" in shown


def test_many_long_units_stay_within_the_section_limit() -> None:
    units = [f"unit{n:02d}" + "x" * 14 for n in range(200)]
    figures = Figures([Line("P" * 80, "2026-11", u, scrapped=10**9 + 0.125, reworked=7) for u in units])
    reply = render(a_digest(figures, figures))
    assert accepted(reply) == []
