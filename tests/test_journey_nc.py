"""Issue 18's NC journey, walked as the people in it would: raised from Ben's message, owned by
Anna (the process owner, not in the QMS channel), an action for Ben, verified and closed by
Quinn (the QMS manager). Each person presses the button where the bot asked them; only when
the asking message has none do they go to the card, and the tally counts that as a navigation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.standin.sandbox import ANNA, BEN, QMS_CHANNEL, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from tests.flows import latest, nc_card, prefilled, reload
from tests.journeys import Journey

NAMES = {ANNA.id: "Anna (NC owner)", BEN.id: "Ben (raised it, action owner)", QUINN.id: "Quinn (QMS manager)"}


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, settings={"process_owners": {"Production": ANNA.id}}) as sandbox:
        yield sandbox


def asking(sb: Sandbox, person: Person, label: str) -> dict[str, Any] | None:
    """The newest message in `person`'s DM with the bot (as it stands now) offering `label`."""
    sb.ctx.sender.drain()
    for message in reversed(sb.fake.sent_messages(person.id)):
        if label in sb.buttons(message):
            return message
    return None


def act(sb: Sandbox, person: Person, label: str, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Press `label` where the bot asked (the DM), else on the card; submit the form it opens."""
    message = asking(sb, person, label) or nc_card(sb, latest(sb))
    opened = len(sb.fake.calls_to("views.open", ok=True))
    sb.press(person, message, label)
    if answers is None:
        return {}
    assert len(sb.fake.calls_to("views.open", ok=True)) == opened + 1, sb.fake.responses[-1:]
    response = sb.slack.submit(person, sb.slack.last_view(), answers)
    assert not response.content, response.text
    return message


def raise_from_message(sb: Sandbox) -> None:
    sb.fake.add_channel("C0WAREHOUS", "warehouse", [BEN.id, ANNA.id])
    said = sb.fake.post_as(BEN.id, "C0WAREHOUS", "Twelve cartons of batch 4711 left without the customer label")
    sb.slack.message_shortcut(BEN, "raise_nc_from_message", said, "C0WAREHOUS")
    view = sb.slack.last_view()
    answers = {**prefilled(view), "severity": "major", "source": "employee_report", "process": "Production"}
    response = sb.slack.submit(BEN, view, answers)
    assert not response.content, response.text


def walk(sb: Sandbox, j: Journey) -> dict[str, int]:
    """The journey; what each step took (interactions), by name."""
    took: dict[str, int] = {}

    def mark(name: str, start: int) -> None:
        took[name] = len(j.between(start))

    start = len(j.done)
    raise_from_message(sb)
    mark("raise (Ben)", start)
    assert reload(sb, latest(sb)).owner == ANNA.id
    for label, answers in (
        ("Record containment", {"containment": "Batch 4711 quarantined"}),
        ("Record root cause", {"method": "five_whys", "cause": "Printer ran out of labels", "elsewhere": "no"}),
        ("Add action", {"kind": "corrective", "description": "Low-label sensor on the printer", "owner": BEN.id}),
    ):
        start = len(j.done)
        act(sb, ANNA, label, answers)
        mark(f"{label} (Anna)", start)
    start = len(j.done)
    act(sb, BEN, "Mark A1 done", {"evidence": "Sensor fitted, work order 7781"})
    mark("Mark A1 done (Ben)", start)
    start = len(j.done)
    act(sb, QUINN, "Verify effectiveness", {"result": "effective", "note": "No unlabelled cartons since"})
    act(sb, QUINN, "Close NC")
    mark("verify and close (Quinn)", start)
    assert reload(sb, latest(sb)).status == "closed"
    sb.ctx.sender.drain()
    return took


def test_the_nc_journey_needs_no_navigation_and_few_interactions(sb: Sandbox) -> None:
    assert ANNA.id not in sb.fake.channels[QMS_CHANNEL]["members"]
    with Journey(sb) as j:
        took = walk(sb, j)
    print("\n" + j.table(NAMES))
    print("\n".join(f"{name}: {n}" for name, n in took.items()))
    assert j.navigations() == []
    assert took["Mark A1 done (Ben)"] == 2
    assert all(took[f"{label} (Anna)"] == 2 for label in ("Record containment", "Record root cause", "Add action"))
    assert took["verify and close (Quinn)"] <= 4


def dm_texts(sb: Sandbox, person: Person) -> list[str]:
    """Every DM posted to `person`, as posted (a DM redrawn after its step keeps its first words here)."""
    return [c.args["text"] for c in sb.fake.calls_to("chat.postMessage", ok=True) if c.args["channel"] == person.id]


def test_every_hand_off_in_the_journey_is_said(sb: Sandbox) -> None:
    with Journey(sb) as j:
        walk(sb, j)
    number = latest(sb).number
    # Anna is told Ben did his action, with his evidence; Ben, who raised it, is told it closed.
    assert any(f"<@{BEN.id}> marked *A1* done" in t and "work order 7781" in t for t in dm_texts(sb, ANNA))
    assert any(number in t and "closed" in t.lower() for t in dm_texts(sb, BEN))
    # Quinn was asked to verify at once, not only after QMS_VERIFY_AFTER_DAYS.
    assert any("verify" in t.lower() and number in t for t in dm_texts(sb, QUINN))


TAKEN = {"Record containment", "Record root cause", "Add action", "Mark A1 done", "Verify effectiveness", "Close NC"}


def test_no_dm_still_offers_a_step_already_taken(sb: Sandbox) -> None:
    with Journey(sb) as j:
        walk(sb, j)
    for person in (ANNA, BEN, QUINN):
        for message in sb.fake.sent_messages(person.id):
            assert not set(sb.buttons(message)) & TAKEN, (person, message["text"])


def test_a_stale_dm_button_says_plainly_the_step_was_taken(sb: Sandbox) -> None:
    raise_from_message(sb)
    request = asking(sb, ANNA, "Record containment")
    assert request is not None
    act(sb, QUINN, "Record containment", {"containment": "Quarantined by the QMS manager"})  # on the card
    opened = len(sb.fake.calls_to("views.open", ok=True))
    sb.press(ANNA, request, "Record containment")
    assert len(sb.fake.calls_to("views.open", ok=True)) == opened
    told = sb.fake.responses[-1].args["text"]
    assert "already" in told and f"<@{QUINN.id}>" in told
