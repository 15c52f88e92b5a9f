"""The Home tab lists each person's work with the button that does it, and only the buttons
that person may press."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from tests.flows import latest, reload, scheduled_review, step

ANSWERS = {
    "title": "Label missing on batch 4711",
    "description": "Twelve cartons left packing without the customer label.",
    "severity": "major",
    "source": "employee_report",
    "process": "Production",
}


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, settings={"process_owners": {"Production": ANNA.id}}) as sandbox:
        yield sandbox


def home_buttons(sb: Sandbox, person: Person) -> dict[str, tuple[str, str]]:
    """Label -> (action_id, value) of every button on the person's Home tab, freshly opened."""
    sb.slack.event({"type": "app_home_opened", "user": person.id, "channel": "D" + person.id[1:], "tab": "home"})
    found: dict[str, tuple[str, str]] = {}
    for block in sb.fake.home_views[person.id]["blocks"]:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = (element["action_id"], element["value"])
    return found


def press_in_home(sb: Sandbox, person: Person, label: str, answers: dict[str, Any]) -> None:
    action_id, value = home_buttons(sb, person)[label]
    opened = len(sb.fake.calls_to("views.open", ok=True))
    sb.slack.click_in_home(person, action_id, value)
    assert len(sb.fake.calls_to("views.open", ok=True)) == opened + 1
    response = sb.slack.submit(person, sb.slack.last_view(), answers)
    assert not response.content, response.text


def raised(sb: Sandbox) -> Any:
    sb.slack.command(BEN, "/nc")
    sb.slack.submit(BEN, sb.slack.last_view(), ANSWERS)
    return latest(sb)


def test_the_nc_owner_works_each_step_from_home(sb: Sandbox) -> None:
    nc = raised(sb)
    assert "Record containment" in home_buttons(sb, ANNA)
    assert "Record containment" not in home_buttons(sb, BEN)  # Ben raised it; the step is Anna's
    press_in_home(sb, ANNA, "Record containment", {"containment": "Quarantined"})
    press_in_home(sb, ANNA, "Record root cause", {"method": "five_whys", "cause": "Printer ran out", "elsewhere": "no"})
    press_in_home(sb, ANNA, "Add action", {"kind": "corrective", "description": "Sensor", "owner": BEN.id})
    assert reload(sb, nc).status == "actions_planned"
    assert "Mark A1 done" not in home_buttons(sb, ANNA)  # Ben's action: on Ben's Home
    press_in_home(sb, BEN, "Mark A1 done", {"evidence": "Fitted, work order 7781"})
    assert reload(sb, nc).status == "actions_done"
    assert "Verify effectiveness" not in home_buttons(sb, ANNA)
    press_in_home(sb, QUINN, "Verify effectiveness", {"result": "effective"})
    assert "Close NC" in home_buttons(sb, QUINN)


def test_a_manager_who_did_an_action_is_not_offered_the_verification(sb: Sandbox) -> None:
    nc = raised(sb)
    step(sb, ANNA, nc, "Record containment", {"containment": "Quarantined"})
    step(sb, ANNA, nc, "Record root cause", {"method": "five_whys", "cause": "Printer ran out", "elsewhere": "no"})
    step(sb, ANNA, nc, "Add action", {"kind": "corrective", "description": "Sensor", "owner": QUINN.id})
    press_in_home(sb, QUINN, "Mark A1 done", {"evidence": "Fitted"})
    assert "Verify effectiveness" not in home_buttons(sb, QUINN)


def test_only_a_qms_manager_is_offered_to_record_the_review(sb: Sandbox) -> None:
    scheduled_review(sb)
    assert "Record the meeting" in home_buttons(sb, QUINN)
    assert "Record the meeting" not in home_buttons(sb, ANNA)  # she attends; only a QMS manager records it
