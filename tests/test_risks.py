"""The risk and opportunity register (issue 20): raised from a message, scored and banded,
treated with an action assigned to someone, the action done, reviewed lower; reminders and
escalation of an overdue review with a moved clock; who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.registry import ShortcutId
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage import risks as store
from storage.audit import history
from storage.models import OutboxMessage
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
    listed = str(sb.fake.responses[-1].args)
    assert risk.number in listed and "Likelihood × impact" in listed and "  1H" in listed  # 4×4 in the matrix
    sb.slack.command(BEN, "/risk", risk.number)
    shown = str(sb.fake.responses[-1].args)
    assert "History" in shown and "risk_treat" not in shown  # no buttons for who may not press them


def test_the_register_shows_on_home_in_the_pack_the_digest_and_an_objective(sb: Sandbox, clock: ManualClock) -> None:
    from bot import home, risks
    from bot.objectives import MEASURES
    from tests.flows import scheduled_review

    risk = raise_risk(sb, ANNA, owner=ANNA.id, review_date="2026-11-26")
    risk_action_planned(sb, risk, owner=BEN)  # A1 due 10 Dec; the review moved to 15 Dec
    late = raise_risk(sb, BEN, owner=BEN.id, title="Press 4 spares run out", likelihood="2", impact="2")
    meeting = scheduled_review(sb)
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=UTC))  # A1 and both reviews overdue
    shown = str(home.view(sb.ctx, QUINN.id))
    assert "Risk register" in shown and "reviews overdue: 2" in shown and "risk_review" in shown
    assert "Risk register" not in str(home.view(sb.ctx, BEN.id))  # only the QMS managers' Home

    review = {"likelihood": "4", "impact": "3", "review_date": "2027-02-01"}
    assert risk_step(sb, BEN, late, "Review", review) == {}  # 4 → 12: it rose
    with sb.db.read() as session:
        week = (datetime(2026, 12, 21, tzinfo=UTC), datetime(2026, 12, 29, tzinfo=UTC))
        lines = risks.digest_lines(session, *week, clock.now().date())
        measured = MEASURES["risks_overdue_treatment"].compute
        assert measured is not None
        overdue = measured(session, datetime(2026, 12, 1).date(), datetime(2026, 12, 29).date(), sb.settings.zone)
    assert any("score rose from 4 to *12*" in line for line in lines)
    assert any("Risk reviews overdue: *1*" in line for line in lines)  # the first one's
    assert overdue == 1.0  # its action A1 is past due

    sb.slack.command(QUINN, "/review", f"pack {meeting}")
    pack = str(sb.fake.responses[-1].args)
    assert "Treatment actions: 0 done in the period, 1 open (1 overdue)" in pack
    assert "initial 16" in pack and "Treatments: reduce 1" in pack


def test_an_nc_that_realised_a_risk_is_linked_both_ways_and_reminds_the_review(sb: Sandbox) -> None:
    from tests.flows import ANSWERS, latest, nc_card

    risk = raise_risk(sb, ANNA, owner=ANNA.id)
    sb.slack.command(BEN, "/nc")
    view = sb.slack.last_view()
    (select,) = [b for b in view["blocks"] if b.get("block_id") == "risk"]
    assert str(risk.id) in [o["value"] for o in select["element"]["options"]]
    response = sb.slack.submit(BEN, view, {**ANSWERS, "risk": str(risk.id)})
    assert not response.content, response.text
    nc = latest(sb)
    assert nc.risk_id == risk.id
    assert "Realises risk" in str(nc_card(sb, nc)["blocks"])
    assert f"Realised as {nc.number}" in str(risk_card(sb, risk)["blocks"])
    with sb.db.read() as session:
        assert [e.action for e in history(session, "risk", risk.number)] == ["raised", "realised"]
    sb.press(ANNA, risk_card(sb, risk), "Review")
    assert "1 NC realised this risk since its last review" in str(sb.slack.last_view()["blocks"])


def test_not_happened_yet_turns_the_nc_form_into_the_risk_form(sb: Sandbox) -> None:
    from tests.flows import ANSWERS, record_counts

    sb.slack.command(ANNA, "/nc")
    before = record_counts(sb)
    response = sb.slack.submit(ANNA, sb.slack.last_view(), {**ANSWERS, "not_yet": ["yes"]})
    answer = response.json()
    assert answer["response_action"] == "update" and answer["view"]["callback_id"] == "risk_raise"
    assert record_counts(sb) == before  # no NC
    title = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == ANSWERS["title"]
    risk = submit_risk(sb, ANNA, answer["view"], title=ANSWERS["title"])
    assert risk.title == ANSWERS["title"] and record_counts(sb)["nonconformity"] == before["nonconformity"]


def test_an_opportunity_for_improvement_is_one_click_from_the_register(sb: Sandbox) -> None:
    from tests.flows import audit_with_improvement

    number = audit_with_improvement(sb)
    sb.slack.command(BEN, "/audit", number)
    sb.press(BEN, sb.slack.last_response(), "Raise as risk/opportunity: 1")
    view = sb.slack.last_view()
    assert view["callback_id"] == "risk_raise"
    process = next(b for b in view["blocks"] if b.get("block_id") == "process")
    assert process["element"]["initial_option"]["value"] == "Production"
    risk = submit_risk(
        sb,
        BEN,
        view,
        process="Production",
        kind="opportunity",
        title="Shadow board for hand tools",
        likelihood="3",
        impact="2",
    )
    assert risk.kind == "opportunity" and risk.process == "Production"
    with sb.db.read() as session:
        (raised,) = history(session, "risk", risk.number)
    assert raised.after is not None and raised.after["from"] == f"{number} finding 1"


def test_the_review_reminder_carries_review_and_snooze(sb: Sandbox, clock: ManualClock) -> None:
    raise_risk(sb, ANNA, owner=ANNA.id, review_date="2026-11-26")
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    tick(sb)
    (reminder,) = [m for m in sb.fake.sent_messages(ANNA.id) if "review of" in str(m.get("text"))]
    labels = set(sb.buttons(reminder))
    assert {"Review", "Treat", "Snooze"} <= labels
    sb.press(ANNA, reminder, "Review")
    assert sb.slack.last_view()["callback_id"] == "risk_review_submit"


def test_a_risk_from_a_private_conversation_keeps_it_private(sb: Sandbox) -> None:
    message = sb.fake.post_as(BEN.id, "D0ANNABEN1", "Salary sheet of the night shift left on the printer")
    sb.slack.message_shortcut(ANNA, ShortcutId.RAISE_RISK_FROM_MESSAGE, message, "D0ANNABEN1")
    view = sb.slack.last_view()
    assert "private conversation" in str(view["blocks"])
    assert "Salary" not in str([b for b in view["blocks"] if b.get("type") == "input"])
    risk = submit_risk(sb, ANNA, view, owner=ANNA.id)
    assert risk.origin_id is not None
    card = str(risk_card(sb, risk)["blocks"])
    assert "Salary" not in card and "private conversation" in card
    sb.slack.command(QUINN, "/risk", risk.number)  # a QMS manager may read the copy
    assert "Salary" in str(sb.fake.responses[-1].args)
    sb.slack.command(BEN, "/risk", risk.number)
    assert "Salary" not in str(sb.fake.responses[-1].args)


def test_a_form_sent_twice_changes_the_risk_once(sb: Sandbox) -> None:
    risk = raise_risk(sb, ANNA, owner=ANNA.id)
    sb.press(ANNA, risk_card(sb, risk), "Treat")
    form = sb.slack.last_view()
    assert not sb.slack.submit(ANNA, form, TREATMENT).content
    assert not sb.slack.submit(ANNA, form, TREATMENT).content  # the same view again: closes, nothing more
    with sb.db.read() as session:
        assert [s.kind for s in store.scores_of(session, risk.id or 0)] == ["initial", "residual"]
        assert [e.action for e in history(session, "risk", risk.number)] == ["raised", "treated"]
    assert reload_risk(sb, risk).version == 2


def test_a_treatment_action_is_reminded_and_escalated_as_an_nc_action_is(sb: Sandbox, clock: ManualClock) -> None:
    risk = raise_risk(sb, ANNA, owner=ANNA.id)
    risk_action_planned(sb, risk, owner=BEN)  # A1 due Thu 10 Dec
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    tick(sb)
    (due,) = [m for m in sb.fake.sent_messages(BEN.id) if "Your action *A1*" in str(m.get("text"))]
    assert "is due *today*" in due["text"] and {"Mark A1 done", "Snooze"} <= set(sb.buttons(due))
    clock.set(datetime(2026, 12, 17, 9, 0, tzinfo=UTC))  # QMS_ESCALATE_AFTER_DAYS later
    tick(sb)
    (told,) = [m for m in sb.fake.sent_messages(QUINN.id) if "Action *A1*" in str(m.get("text"))]
    assert risk.number in told["text"] and "7 days overdue" in told["text"]
    sb.press(QUINN, told, "Mark A1 done")  # a QMS manager may do it from there
    assert sb.slack.last_view()["callback_id"] == "risk_action_done_submit"
    with sb.db.read() as session:
        (action,) = store.actions_of(session, risk.id or 0)
        keys = set(session.exec(select(OutboxMessage.key).where(col(OutboxMessage.key).startswith("nca:"))))
    # The NC actions' keys: action ids are one sequence, so a key names one action whatever holds it.
    assert {f"nca:{action.id}:assigned", f"nca:{action.id}:20261210:today"} <= keys


def test_the_export_names_a_treatment_action_by_its_risk(sb: Sandbox, tmp_path: Any) -> None:
    from datetime import date

    import openpyxl

    from bot import export

    risk = raise_risk(sb, ANNA, owner=ANNA.id)
    risk_action_planned(sb, risk, owner=BEN)
    export.write_workbook(sb.db, tmp_path / "qms.xlsx", export.Period(None, None, sb.settings.zone, date(2026, 11, 25)))
    book = openpyxl.load_workbook(tmp_path / "qms.xlsx")
    actions = list(book["Actions"].iter_rows(values_only=True))
    assert actions[1][:2] == (risk.number, "A1")
    risks = list(book["Risk register"].iter_rows(values_only=True))
    assert risks[1][0] == risk.number and risks[1][7] == 16 and risks[1][8] == "high" and risks[1][17] == "medium"


def test_the_owner_and_the_action_owner_find_their_risk_work_on_home(sb: Sandbox) -> None:
    from bot import home

    untreated = raise_risk(sb, ANNA, owner=ANNA.id, title="Press 4 spares run out")
    treated = raise_risk(sb, ANNA, owner=ANNA.id)
    risk_action_planned(sb, treated, owner=BEN)
    anna = str(home.view(sb.ctx, ANNA.id))
    assert untreated.number in anna and "choose its treatment" in anna and "risk_treat" in anna
    assert "review it" not in anna  # the treated one's review is weeks away
    ben = str(home.view(sb.ctx, BEN.id))
    assert f"{treated.number}" in ben and "Mark A1 done" in ben and "risk_action_done:" in ben


def test_closing_a_risk_stops_its_reminders_and_keeps_the_record(sb: Sandbox, clock: ManualClock) -> None:
    risk = raise_risk(sb, ANNA, owner=ANNA.id, review_date="2026-11-26")
    risk_action_planned(sb, risk, owner=BEN)
    tick(sb)  # what raising and the action queued goes out first
    refused = sb.slack.command(BEN, "/risk", f"close {risk.number} no longer applies")
    assert "Only the risk's owner" in refused.text and reload_risk(sb, risk).status == "treated"
    sb.slack.command(ANNA, "/risk", f"close {risk.number} A second source is qualified")
    risk = reload_risk(sb, risk)
    assert risk.status == "closed"
    clock.set(datetime(2027, 1, 20, 9, 0, tzinfo=UTC))  # long past the review and the action's due date
    before = len(sb.fake.sent_messages(ANNA.id)) + len(sb.fake.sent_messages(BEN.id))
    tick(sb)
    assert len(sb.fake.sent_messages(ANNA.id)) + len(sb.fake.sent_messages(BEN.id)) == before
    sb.ctx.later_trail.flush()  # refusals are written after the answer
    with sb.db.read() as session:
        trail = [e.action for e in history(session, "risk", risk.number)]
    assert "closed" in trail and "refused" in trail  # Ben's attempt is on the record too
    assert not [b for b in risk_card(sb, risk)["blocks"] if b["type"] == "actions"]  # no buttons left
    sb.slack.command(ANNA, "/risk", "list")
    assert risk.number not in str(sb.fake.responses[-1].args)
