"""An internal audit walked as its people would: the QMS manager plans it, the lead auditor
works the checklist from the DMs the bot sends, a nonconforming line raises an NC, the audit
is completed. Counted per person (tests/journeys.py): no one has to go looking for anything.

Before issue 18 (main at ba8d63c) the walk counted:

| person | interactions | navigations |
|---|---|---|
| quinn | 2 | 0 |
| ben | 5 | 0 |

The counts were already lean; what was wrong was what the steps showed: the NC form titled
with the checklist's question, no severity, an empty "Evidence: ", the QMS manager as owner,
plain NC numbers and a checklist still open after completion. See the assertions below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage.models import Nonconformity
from tests.flows import PLAN, checklist_message, prefilled
from tests.journeys import Journey

NAMES = {p.id: p.name for p in (ANNA, BEN, QUINN, LENA)}


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def button_in_dms(sb: Sandbox, person: Person, label: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The newest message in the person's DM with the bot carrying a button labelled `label`."""
    for message in reversed(sb.fake.sent_messages(person.id)):
        for block in message.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("type") == "button" and element["text"]["text"] == label:
                    return message, {**element, "block_id": block.get("block_id", "actions")}
    return None


def press(sb: Sandbox, person: Person, label: str, typed: tuple[str, str]) -> None:
    """Press the button in their DMs; where the bot gave none, type the command instead."""
    found = button_in_dms(sb, person, label)
    if found is None:
        sb.slack.command(person, *typed)
        return
    message, element = found
    sb.slack.click(person, element["action_id"], element["value"], message=message, block_id=element["block_id"])


def choose_nonconforming(sb: Sandbox, person: Person, message: dict[str, Any], seq: int) -> None:
    """Answer line `seq` as a major nonconformity (plain "nonconforming" where no grade is offered)."""
    block = next(
        b
        for b in message["blocks"]
        if b.get("type") == "section" and b.get("accessory") and b["text"]["text"].startswith(f"*{seq}.*")
    )
    values = [o["value"] for o in block["accessory"]["options"]]
    value = next((v for v in values if v.endswith(":major")), None) or next(
        v for v in values if v.endswith(":nonconforming")
    )
    sb.slack.choose(person, "audit_answer", value, message=message, block_id=block.get("block_id", "line"))


def as_opened(view: dict[str, Any]) -> dict[str, Any]:
    """What a form sends when submitted as it opened (Slack sends the initial values, users too)."""
    users = {b["block_id"]: b["element"].get("initial_user") for b in view["blocks"] if b["type"] == "input"}
    return {k: v for k, v in {**prefilled(view), **{k: u for k, u in users.items() if u}}.items() if v}


def walk(sb: Sandbox) -> Journey:
    with Journey(sb) as journey:
        sb.slack.command(QUINN, "/audit", "plan")
        sb.slack.submit(QUINN, sb.slack.last_view(), PLAN)
        sb.ctx.sender.drain()

        # Ben, the lead auditor, works from the DM that says he leads it.
        press(sb, BEN, "Open the checklist", ("/audit", "checklist AU-2026-0001"))
        choose_nonconforming(sb, BEN, checklist_message(sb, BEN, "AU-2026-0001"), 3)
        form = sb.slack.last_view()
        answers = as_opened(form)
        answers.setdefault("severity", "major")  # where the form gave none, he chooses it
        sb.slack.submit(BEN, form, answers)

        press(sb, BEN, "Complete the audit", ("/audit", "AU-2026-0001"))
        sb.slack.submit(
            BEN, sb.slack.last_view(), {"summary": "Line 2 conforms apart from the segregation of rejects."}
        )
        sb.ctx.sender.drain()
    return journey


def test_an_internal_audit_needs_no_navigation(sb: Sandbox) -> None:
    journey = walk(sb)
    print("\n" + journey.table(NAMES))
    assert journey.navigations() == []
    assert journey.tally() == {QUINN.id: (2, 0), BEN.id: (5, 0)}


def test_the_nonconforming_line_raises_a_sensible_nc_linked_everywhere(sb: Sandbox) -> None:
    walk(sb)
    with sb.db.session() as session:
        nc = session.exec(select(Nonconformity)).one()
    # Titled from what was found (no note on the line: its question), graded major, owned by
    # the auditee rather than the QMS manager; "What happened" holds the line and its answer.
    assert nc.title.startswith("Are nonconforming outputs identified") and "AU-2026-0001" not in nc.title
    assert (nc.severity, nc.owner, nc.source, nc.iso_clause) == ("major", ANNA.id, "internal_audit", "8.7")
    assert "Major nonconformity" in nc.description and "Evidence: " not in nc.description
    link = f"<{nc.card_permalink}|{nc.number}>"
    assert nc.card_permalink
    # The checklist is redrawn when the audit completes: closed, the NC linked to its card.
    checklist = json.dumps(checklist_message(sb, BEN, "AU-2026-0001")["blocks"], ensure_ascii=False)
    assert link in checklist and "static_select" not in checklist and "is completed" in checklist
    done = [m for m in sb.fake.sent_messages(QUINN.id) if "completed internal audit" in m["text"]][-1]
    said = json.dumps(done["blocks"], ensure_ascii=False)
    assert link in said and "1 nonconformity, 0 opportunities" in said
