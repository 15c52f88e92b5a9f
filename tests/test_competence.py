"""Competence by role (7.2) through the real app: a role's required trainings reach whoever
joins the user group within one tick, the matrix shows them, and a yearly renewal asks again."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.audit import history
from storage.models import CompetenceRequirement, OutboxMessage, TrainingAssignment
from tests.flows import card_for, group_changed, open_home, publish, require, rounds

FORKLIFT = "S0FORKLIFT"
DOCUMENTS = ["SOP-020", "WI-031", "FRM-007"]


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        sandbox.fake.add_usergroup(FORKLIFT, [ANNA.id], handle="forklift")
        for ref in DOCUMENTS:  # published to Lena only, before anyone thought of the role
            assert (
                publish(sb=sandbox, doc_ref=ref, title=f"Forklift {ref}", users=[LENA.id], due_date="2026-12-20") == {}
            )
        sandbox.ctx.sender.drain()
        yield sandbox


def cards_to(sb: Sandbox, person: Any) -> list[str]:
    return [m["text"] for m in sb.fake.sent_messages(person.id) if "Please read" in m["text"] or "renew" in m["text"]]


def matrix(sb: Sandbox) -> str:
    sb.slack.command(QUINN, "/training", "matrix")
    return str(sb.slack.last_response()["blocks"])


def test_members_are_asked_at_once_and_a_joiner_gets_the_three_within_one_tick(sb: Sandbox) -> None:
    assert require(sb, groups=[FORKLIFT], documents=DOCUMENTS) == {}
    sb.ctx.sender.drain()
    assert len(cards_to(sb, ANNA)) == 3  # the member the group had
    with sb.db.session() as session:
        assert len(session.exec(select(CompetenceRequirement)).all()) == 3
    shown = matrix(sb)
    assert "Competence by role" in shown and "@forklift" in shown and "SOP-020 *due*" in shown

    group_changed(sb, FORKLIFT, [BEN.id])
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()  # one tick of the sender
    ben = cards_to(sb, BEN)
    assert len(ben) == 3 and all("Forklift" in text for text in ben)
    told = [m["text"] for m in sb.fake.sent_messages(QUINN.id) if "joined" in m["text"]]
    assert told and all(n in told[0] for n in ("TR-2026-0001", "TR-2026-0002", "TR-2026-0003"))
    shown = matrix(sb)
    assert "Ben" in shown and shown.count("*due*") >= 6
    assert "*Competence by role*: *6* gaps (6 due)" in open_home(sb, QUINN)
    sb.slack.command(QUINN, "/qms", "digest")
    digest = str(sb.slack.last_response()["blocks"])
    assert "SOP-020 (TR-2026-0001, needed by @forklift" in digest and "0 hold it, 3 to acknowledge" in digest
    # Slack retries the event: nothing is sent twice.
    group_changed(sb, FORKLIFT, [BEN.id])
    sb.ctx.sender.drain()
    assert len(cards_to(sb, BEN)) == 3
    with sb.db.session() as session:
        trail = history(session, "training", "TR-2026-0001")
    assert [e.action for e in trail].count("people_added") == 2  # Anna with the requirement, Ben on joining


def test_a_renewal_after_12_months_asks_again_and_shows_the_old_one_expired(sb: Sandbox, clock: ManualClock) -> None:
    assert require(sb, groups=[FORKLIFT], documents=["SOP-020"], renew="12") == {}
    sb.ctx.sender.drain()
    sb.press(ANNA, card_for(sb, ANNA, "TR-2026-0001"), "I've read and understood")
    assert "SOP-020 :white_check_mark: 25 Nov 2026, renew by 25 Nov 2027" in matrix(sb)

    clock.set(datetime(2027, 11, 25, 9, 0, tzinfo=UTC))  # twelve months on
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    renewal = [m for m in sb.fake.sent_messages(ANNA.id) if "Please renew" in m["text"]]
    assert len(renewal) == 1 and "expired on 25 Nov 2027" in str(renewal[0]["blocks"])
    assert "SOP-020 *expired* 25 Nov 2027" in matrix(sb)

    stale = copy.deepcopy(renewal[0])
    sb.press(ANNA, renewal[0], "I've read and understood")
    assert "SOP-020 :white_check_mark: 25 Nov 2027, renew by 25 Nov 2028" in matrix(sb)
    first = rounds(sb)[0]
    with sb.db.session() as session:
        trail = history(session, "training", "TR-2026-0001")
        (assignment,) = session.exec(
            select(TrainingAssignment).where(
                TrainingAssignment.person == ANNA.id, TrainingAssignment.round_id == first.id
            )
        ).all()
    assert [e.action for e in trail][-2:] == ["acknowledged", "renewed"]
    assert str((trail[-1].before or {})["acknowledged_at"]).startswith("2026-11-25T09:00")  # the one that expired
    # The same press again changes nothing; nothing more until the next expiry.
    sb.press(ANNA, stale, "I've read and understood")
    assert "already" in sb.slack.last_response()["text"].lower()
    clock.set(datetime(2027, 12, 20, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    with sb.db.session() as session:
        keys = [m.key for m in session.exec(select(OutboxMessage)) if ":renew-" in m.key]
    assert keys == [f"tr:{first.id}:{ANNA.id}:renew-20261125:card"]  # no reminder after the renewal
    assert assignment.version == 3


def test_only_qms_managers_set_requirements_and_the_form_names_what_is_missing(sb: Sandbox) -> None:
    sb.slack.command(BEN, "/training", "require")
    assert "Only QMS managers" in sb.slack.last_response()["text"]
    assert "Choose the role" in require(sb, documents=DOCUMENTS)["errors"]["groups"]
    assert "Choose the documents" in require(sb, groups=[FORKLIFT], documents=[])["errors"]["documents"]
