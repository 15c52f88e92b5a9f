"""The NC card's "Mark A1 done", "Mark A2 done"… buttons: one action_id each (Slack refuses an
actions block whose elements share one), heard by one listener, and old cards keep working."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.nonconformity.blocks import MAX_DONE_BUTTONS
from bot.registry import Action, item_action_id
from bot.standin.sandbox import ANNA, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import Nonconformity
from tests.flows import actions_of, nc_card, raise_nc, reload, root_caused, step

OPEN_ACTIONS = MAX_DONE_BUTTONS * 2  # the cap of buttons, and as many again beyond it


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def with_open_actions(sb: Sandbox, count: int) -> Nonconformity:
    nc = raise_nc(sb, owner=ANNA.id)
    root_caused(sb, nc)
    for n in range(1, count + 1):
        answers = {"kind": "corrective", "description": f"Action {n}: <!channel> & *{'x' * 300}*", "owner": ANNA.id}
        assert step(sb, ANNA, nc, "Add action", answers) == {}
    return nc


def done_buttons(card: dict[str, Any]) -> dict[str, str]:
    """Label -> action_id of the card's "Mark A… done" buttons."""
    return {label: ids[0] for label, ids in Sandbox.buttons(card).items() if label.startswith("Mark A")}


def assert_distinct_ids(card: dict[str, Any]) -> None:
    block_ids = [b["block_id"] for b in card["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), block_ids
    for block in card["blocks"]:
        if block["type"] == "actions":
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)), ids


def test_a_card_with_the_cap_of_open_actions_and_beyond_carries_one_action_id_per_button(sb: Sandbox) -> None:
    nc = with_open_actions(sb, OPEN_ACTIONS)
    card = nc_card(sb, nc)
    assert_distinct_ids(card)
    actions = actions_of(sb, nc)
    assert done_buttons(card) == {
        f"Mark A{a.seq} done": item_action_id(Action.NC_ACTION_DONE, a.id) for a in actions[:MAX_DONE_BUTTONS]
    }
    # Every action is on the card, those without a button too: listed, or counted as left out.
    listed = next(
        b["text"]["text"] for b in card["blocks"] if b.get("text", {}).get("text", "").startswith("*Actions*")
    )
    shown = [a for a in actions if f"*A{a.seq}* " in listed]
    left = re.search(r"… and (\d+) more$", listed)
    assert len(shown) + (int(left.group(1)) if left else 0) == OPEN_ACTIONS


def test_every_open_action_can_be_marked_done_from_the_card_in_any_order(sb: Sandbox) -> None:
    nc = with_open_actions(sb, OPEN_ACTIONS)
    # The last button first, then one in the middle, then whatever the card offers next.
    order = [f"A{MAX_DONE_BUTTONS}", "A3"]
    while len([a for a in actions_of(sb, nc) if a.status == "done"]) < OPEN_ACTIONS:
        card = nc_card(sb, nc)
        assert_distinct_ids(card)
        offered = done_buttons(card)
        assert 0 < len(offered) <= MAX_DONE_BUTTONS
        label = f"Mark {order.pop(0)} done" if order else sorted(offered)[-1]
        assert label in offered
        assert step(sb, ANNA, nc, label, {"evidence": f"Done: {label}"}) == {}, label
    assert reload(sb, nc).status == "actions_done"
    assert not done_buttons(nc_card(sb, nc))


def test_a_card_posted_before_the_change_with_the_plain_action_id_still_works(sb: Sandbox) -> None:
    nc = with_open_actions(sb, 2)
    card = nc_card(sb, nc)
    _, value, block_id = Sandbox.buttons(card)["Mark A2 done"]
    opened = len(sb.fake.calls_to("views.open", ok=True))
    sb.slack.click(ANNA, Action.NC_ACTION_DONE, value, message=card, block_id=block_id)  # the old id
    assert len(sb.fake.calls_to("views.open", ok=True)) == opened + 1
    assert sb.slack.submit(ANNA, sb.slack.last_view(), {"evidence": "WO 7790"}).content == b""
    assert [a.status for a in actions_of(sb, nc)] == ["open", "done"]
