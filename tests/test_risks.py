"""The risk and opportunity register (issue 20): raised from a message, scored and banded,
treated with an action assigned to someone, the action done, reviewed lower; reminders and
escalation of an overdue review with a moved clock; who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.registry import ShortcutId
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage import risks as store
from storage.audit import history
from tests.flows import (
    RISK,
    TREATMENT,
    latest_risk,
    raise_risk,
    reload_risk,
    risk_action_planned,
    risk_card,
    risk_step,
    submit_risk,
)

CHANNEL = "C0PURCHAS1"


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def _texts(sb: Sandbox, to: str) -> list[str]:
    return [str(m.get("text")) for m in sb.fake.sent_messages(to)]


def tick(sb: Sandbox) -> None:
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()


def test_a_risk_from_a_message_is_treated_acted_on_and_reviewed_lower(sb: Sandbox, clock: ManualClock) -> None:
    sb.fake.add_channel(CHANNEL, "purchasing", [ANNA.id, BEN.id, "U0QMSBOT01"])
    message = sb.fake.post_as(BEN.id, CHANNEL, "The only supplier of seal S-40 is going out of business")
    sb.slack.message_shortcut(ANNA, ShortcutId.RAISE_RISK_FROM_MESSAGE, message, CHANNEL)
    view = sb.slack.last_view()
    assert view["callback_id"] == "risk_raise"
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"].startswith("The only supplier of seal S-40")
    risk = submit_risk(sb, ANNA, view, title="Single source of S-40 closing", owner=ANNA.id)
    assert risk.number == "RK-2026-0001" and risk.score == 16 and risk.origin_id is not None
    card = risk_card(sb, risk)
    assert "16 (4×4)" in str(card["blocks"]) and "high" in str(card["blocks"])
    assert "the original message" in str(card["blocks"])  # a public channel: linked and quoted

    risk_action_planned(sb, risk, owner=BEN)
    risk = reload_risk(sb, risk)
    assert risk.status == "treated" and risk.treatment == "reduce" and risk.residual_score == 6
    with sb.db.read() as session:
        (action,) = store.actions_of(session, risk.id or 0)
    assert action.owner == BEN.id and action.nc_id is None and action.risk_id == risk.id
    tick(sb)
    assert any("You have an action on" in t for t in _texts(sb, BEN.id))

    assert risk_step(sb, BEN, risk, "Mark A1 done", {"evidence": "Approved supplier record AS-88"}) == {}
    with sb.db.read() as session:
        (action,) = store.actions_of(session, risk.id or 0)
    assert action.status == "done" and action.done_by == BEN.id

    review = {"likelihood": "2", "impact": "2", "review_date": "2027-03-01", "note": "Second source qualified"}
    assert risk_step(sb, ANNA, risk, "Review", review) == {}
    risk = reload_risk(sb, risk)
    assert risk.score == 4 and risk.review_date.isoformat() == "2027-03-01"
    with sb.db.read() as session:
        scores = [(s.kind, s.score) for s in store.scores_of(session, risk.id or 0)]
        trail = [e.action for e in history(session, "risk", risk.number)]
    assert scores == [("initial", 16), ("residual", 6), ("review", 4)]
    assert trail == ["raised", "treated", "action_added", "action_done", "reviewed"]
    assert "initial 16" in str(risk_card(sb, risk)["blocks"])


def test_an_overdue_review_reminds_the_owner_then_escalates(sb: Sandbox, clock: ManualClock) -> None:
    risk = raise_risk(sb, ANNA, owner=ANNA.id, review_date="2026-11-30")
    tick(sb)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # Mon 30 Nov: the review date
    tick(sb)
    due = [t for t in _texts(sb, ANNA.id) if "review of" in t]
    assert due and "due *today*" in due[-1]
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # 7 days overdue: QMS_ESCALATE_AFTER_DAYS
    tick(sb)
    assert any("overdue" in t and risk.number in t for t in _texts(sb, QUINN.id))
    # Reviewing stops them.
    review = {"likelihood": "3", "impact": "3", "review_date": "2027-01-15"}
    assert risk_step(sb, ANNA, risk, "Review", review) == {}
    with sb.db.read() as session:
        from sqlmodel import col, select

        from storage.models import OutboxMessage

        waiting = session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.key).startswith(f"rk:{risk.id}:review:"), col(OutboxMessage.status) == "pending"
            )
        ).all()
    assert not waiting


def test_only_the_owner_or_a_manager_treats(sb: Sandbox) -> None:
    risk = raise_risk(sb, ANNA, owner=ANNA.id)
    sb.press(BEN, risk_card(sb, risk), "Treat")
    assert "Only" in str(sb.fake.responses[-1].args)
    assert reload_risk(sb, risk).status == "open"
    assert risk_step(sb, QUINN, risk, "Treat", TREATMENT) == {}


def test_the_forms_say_what_is_wrong(sb: Sandbox) -> None:
    sb.slack.command(ANNA, "/risk")
    response = sb.slack.submit(ANNA, sb.slack.last_view(), {**RISK, "likelihood": "9", "title": ""})
    errors = response.json()["errors"]
    assert set(errors) == {"likelihood", "title"}
    risk = raise_risk(sb, ANNA, owner=ANNA.id, kind="opportunity")
    answer = risk_step(sb, ANNA, risk, "Treat", TREATMENT)  # "reduce" is for risks
    assert "treatment" in answer["errors"]
    assert latest_risk(sb).id == risk.id


def test_risk_list_and_record(sb: Sandbox) -> None:
    risk = raise_risk(sb, ANNA)
    sb.slack.command(BEN, "/risk", "list")
    assert risk.number in str(sb.fake.responses[-1].args)
    sb.slack.command(BEN, "/risk", risk.number)
    shown = str(sb.fake.responses[-1].args)
    assert "History" in shown and "risk_treat" not in shown  # no buttons for who may not press them
