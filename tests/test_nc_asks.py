"""What the bot asks one person about an NC: the right words, and only the buttons they may press."""

from __future__ import annotations

from bot.nonconformity import asks
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity.lifecycle import Status
from bot.standin.sandbox import ANNA, BEN, QUINN
from tests.extremes import an_nc, its_actions


def labels(reply: object) -> set[str]:
    return {
        e["text"]["text"]
        for b in reply.blocks  # type: ignore[attr-defined]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_a_title_ending_a_sentence_gets_no_second_full_stop() -> None:
    nc = an_nc(Status.OPEN, "typical")
    nc.title = "Seal broken on incoming parts."
    said = nc_blocks.raised_confirmation(nc, None).text
    assert "parts. Owner:" in said and ".." not in said
    done = asks.after_step(nc, [], nc.owner, False, asks.Step.CONTAIN, None).text
    assert ".." not in done


def test_each_person_is_offered_only_what_they_may_press() -> None:
    nc = an_nc(Status.ACTIONS_PLANNED, "typical")
    nc.owner = ANNA.id
    actions = its_actions(nc, 1, False)
    actions[0].owner, actions[0].status = BEN.id, "open"
    assert {"Mark A1 done"} == {b["text"]["text"] for b in asks.buttons_for(nc, actions, BEN.id, False)}
    assert asks.buttons_for(nc, actions, ANNA.id, False) == []  # Ben's action, not hers
    nc.status = Status.ACTIONS_DONE.value
    actions[0].status, actions[0].done_by = "done", BEN.id
    assert labels(asks.verification_due(nc, actions, QUINN.id)) == {"Verify effectiveness"}
    assert asks.buttons_for(nc, actions, ANNA.id, False) == []
    assert asks.buttons_for(nc, actions, BEN.id, True) == []  # a manager who did the action may not verify it
    assert labels(asks.verification_due(nc, actions, BEN.id)) == set()
    nc.status = Status.EFFECTIVENESS_VERIFIED.value
    assert [b["text"]["text"] for b in asks.buttons_for(nc, actions, QUINN.id, True)] == ["Close NC"]
    assert asks.buttons_for(nc, actions, ANNA.id, False) == []


def test_the_owner_asked_for_each_step_gets_its_button_with_the_plain_id() -> None:
    for status, label in (
        (Status.OPEN, "Record containment"),
        (Status.CONTAINED, "Record root cause"),
        (Status.ROOT_CAUSE_FOUND, "Add action"),
    ):
        nc = an_nc(status, "typical")
        reminder = asks.nc_reminder(nc, "today", nc.due_date)
        assert labels(reminder) == {label}
        value = next(e["value"] for b in reminder.blocks if b["type"] == "actions" for e in b["elements"])
        assert value == str(nc.id)
