"""The external providers register (ISO 9001 8.4): adding suppliers, their evaluation reminder,
the scorecard the evaluation form shows, decisions, and the NC form's supplier picker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.registry import Action, Suggestion
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.standin.suggestions import answer_problems
from bot.workspace.clock import ManualClock
from storage import suppliers as store
from storage.audit import history
from storage.models_suppliers import Supplier
from tests.flows import (
    SUPPLIER,
    raise_against,
    raise_nc,
    registered_supplier,
    supplier_of,
    supplier_reminder,
)


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def add(sb: Sandbox, person: Any = QUINN, **answers: Any) -> dict[str, Any]:
    sb.slack.command(QUINN, "/supplier", "add")
    response = sb.slack.submit(person, sb.slack.last_view(), {**SUPPLIER, **answers})
    return response.json() if response.content else {}


def tick(sb: Sandbox, clock: ManualClock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()


def test_a_supplier_is_registered_once_whatever_the_case_of_its_name(sb: Sandbox) -> None:
    assert add(sb) == {}
    with sb.db.session() as session:
        found = session.exec(select(Supplier)).one()
        trail = history(session, "supplier", f"SUP-{found.id:04d}")
    assert (found.name, found.status, found.owner, found.next_evaluation) == (
        "ACME Plastics",
        "approved",
        ANNA.id,
        date(2027, 1, 15),
    )
    assert [e.action for e in trail] == ["registered"]
    again = add(sb, name="acme   PLASTICS")
    assert "already in the register" in again["errors"]["name"]


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"status": "conditional"}, "reason", "on which conditions"),
        ({"status": "blocked"}, "reason", "why it is blocked"),
        ({"next_evaluation": "2026-01-01"}, "next_evaluation", "cannot be in the past"),
        ({"name": ""}, "name", "Enter the supplier's name"),
        ({"owner": None}, "owner", "Choose who owns"),
    ],
)
def test_bad_registrations_are_answered_in_the_form(sb: Sandbox, change: dict[str, Any], block: str, says: str) -> None:
    assert says in add(sb, **change)["errors"][block]
    with sb.db.session() as session:
        assert session.exec(select(Supplier)).all() == []


def test_only_qms_managers_add_suppliers(sb: Sandbox) -> None:
    assert "Only QMS managers" in sb.slack.command(BEN, "/supplier", "add").json()["text"]
    assert "Only QMS managers" in add(sb, person=BEN)["errors"]["name"]


def test_the_list_and_one_supplier_show_status_and_evaluations(sb: Sandbox) -> None:
    registered_supplier(sb, status="conditional", reason="8D report on the <!channel> cracks by March")
    sb.slack.command(BEN, "/supplier", "list")
    listed = sb.slack.last_response()
    assert "ACME Plastics" in listed["text"] or "1 supplier" in listed["text"]
    sb.slack.command(BEN, "/supplier", "acme plastics")
    shown = str(sb.slack.last_response()["blocks"])
    assert "conditional" in shown and "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert Action.SUPPLIER_EVALUATE not in shown  # Ben neither owns it nor manages the QMS
    sb.slack.command(QUINN, "/supplier", "SUP-0001")
    assert Action.SUPPLIER_STATUS in str(sb.slack.last_response()["blocks"])
    sb.slack.command(BEN, "/supplier", "Nobody Ltd")
    assert "not in the register" in sb.slack.last_response()["text"]


def test_the_picker_offers_matching_suppliers_within_slacks_limits(sb: Sandbox) -> None:
    registered_supplier(sb)
    registered_supplier(sb, name="Bolt & Nut 100% Co", status="blocked", reason="Lost its certificate")
    sb.slack.command(BEN, "/nc")
    view = sb.slack.last_view()
    assert [o["text"]["text"] for o in sb.slack.suggest(BEN, view, "supplier_pick", "")] == [
        "ACME Plastics",
        "Bolt & Nut 100% Co (blocked)",
    ]
    assert [o["text"]["text"] for o in sb.slack.suggest(BEN, view, "supplier_pick", "100%")] == [
        "Bolt & Nut 100% Co (blocked)"
    ]
    assert sb.slack.suggest(BEN, view, "supplier_pick", "zzz") == []
    assert answer_problems({"options": [{"text": {"type": "plain_text", "text": "x" * 76}, "value": "v"}]})


def test_a_typed_name_of_a_registered_supplier_links_the_nc(sb: Sandbox) -> None:
    supplier = registered_supplier(sb)
    nc = raise_nc(sb, source="supplier", supplier="acme plastics")
    assert (nc.supplier_id, nc.supplier) == (supplier.id, "ACME Plastics")
    other = raise_nc(sb, source="supplier", supplier="Someone Else GmbH")
    assert (other.supplier_id, other.supplier) == (None, "Someone Else GmbH")


def test_an_owner_cannot_change_the_status_in_an_evaluation(sb: Sandbox) -> None:
    supplier = registered_supplier(sb)
    sb.slack.click(ANNA, Action.SUPPLIER_EVALUATE, f"{supplier.id}@{supplier.version}")
    view = sb.slack.last_view()
    decision = next(b for b in view["blocks"] if b.get("block_id") == "decision")
    assert [o["value"] for o in decision["element"]["options"]] == ["approved"]
    answered = sb.slack.submit(ANNA, view, {"score": "2", "decision": "blocked", "reason": "Late twice"}).json()
    assert "Only a QMS manager" in answered["errors"]["decision"]
    assert supplier_of(sb, supplier).status == "approved"
    sb.slack.click(BEN, Action.SUPPLIER_EVALUATE, f"{supplier.id}@{supplier.version}")
    assert "Only the owner" in sb.fake.responses[-1].args["text"]


def test_the_evaluation_flow_blocks_a_supplier_and_the_next_nc_tells_the_managers(
    sb: Sandbox, clock: ManualClock
) -> None:
    supplier = registered_supplier(sb, next_evaluation="2026-12-22")
    first = raise_against(sb, "ACME Plastics")
    raise_against(sb, "ACME Plastics", title="Housings cracked at the boss")
    assert first.supplier_id == supplier.id and first.supplier == "ACME Plastics"
    assert not [m for m in sb.fake.sent_messages(QUINN.id) if "raised" in m["text"] and "ACME" in m["text"]]

    # QMS_SUPPLIER_NOTICE_DAYS (14) ahead of the evaluation, the owner is reminded with the button.
    tick(sb, clock, date(2026, 12, 7))
    assert not [m for m in sb.fake.sent_messages(ANNA.id) if "The evaluation of" in m["text"]]
    tick(sb, clock, date(2026, 12, 8))
    reminder = supplier_reminder(sb)
    assert {"Evaluate", "Snooze"} <= set(sb.buttons(reminder))
    tick(sb, clock, date(2026, 12, 9))
    assert len([m for m in sb.fake.sent_messages(ANNA.id) if "The evaluation of" in m["text"]]) == 1

    sb.press(ANNA, reminder, "Snooze")
    assert sb.slack.last_view()["callback_id"] == "nudge_snooze_submit"
    sb.press(ANNA, reminder, "Evaluate")
    form = sb.slack.last_view()
    shown = str(form["blocks"])
    assert "Nonconformities raised against them:* 2" in shown and "returned to them" in shown

    # The owner keeps it and recommends; a QMS manager blocks it from the register.
    sb.slack.command(QUINN, "/supplier", "ACME Plastics")
    sb.press(QUINN, sb.slack.last_response(), "Evaluate")
    answers = {"score": "1", "decision": "blocked", "reason": "Two cracked-housing NCs in a month"}
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), answers).content
    blocked = supplier_of(sb, supplier)
    assert (blocked.status, blocked.last_evaluated, blocked.next_evaluation) == (
        "blocked",
        date(2026, 12, 9),
        date(2027, 12, 9),
    )
    with sb.db.session() as session:
        (entry,) = store.evaluations_of(session, supplier.id or 0)
        trail = [e.action for e in history(session, "supplier", f"SUP-{supplier.id:04d}")]
    assert (entry.ncs, entry.score, entry.status_before, entry.decision, entry.due_on) == (
        2,
        1,
        "approved",
        "blocked",
        date(2026, 12, 22),
    )
    assert trail == ["registered", "evaluated"]
    # The owner's older form is now stale: it changes nothing.
    stale = sb.slack.submit(ANNA, form, {"score": "3", "decision": "approved"})
    assert "Already done" in stale.text and len(store_evaluations(sb, supplier)) == 1

    third = raise_against(sb, "ACME Plastics", title="Wrong resin grade delivered")
    sb.ctx.sender.drain()
    alert = next(m for m in sb.fake.sent_messages(QUINN.id) if third.number in m["text"] and "against" in m["text"])
    assert "blocked" in alert["text"]
    sb.press(QUINN, alert, "Open NC")
    assert third.number in sb.fake.responses[-1].args["text"]


def store_evaluations(sb: Sandbox, supplier: Supplier) -> list[Any]:
    with sb.db.session() as session:
        return store.evaluations_of(session, supplier.id or 0)


def test_an_overdue_evaluation_reaches_the_managers(sb: Sandbox, clock: ManualClock) -> None:
    registered_supplier(sb, next_evaluation="2026-11-26")
    tick(sb, clock, date(2026, 12, 2))
    assert not [m for m in sb.fake.sent_messages(QUINN.id) if "The evaluation of" in m["text"]]
    tick(sb, clock, date(2026, 12, 3))
    escalated = [m for m in sb.fake.sent_messages(QUINN.id) if "The evaluation of" in m["text"]]
    assert escalated and "Evaluate" in sb.buttons(escalated[-1])


def test_a_manager_changes_the_status_saying_why(sb: Sandbox) -> None:
    supplier = registered_supplier(sb)
    sb.slack.click(QUINN, Action.SUPPLIER_STATUS, f"{supplier.id}@{supplier.version}")
    view = sb.slack.last_view()
    assert "reason" in sb.slack.submit(QUINN, view, {"status": "conditional"}).json()["errors"]
    assert not sb.slack.submit(QUINN, view, {"status": "conditional", "reason": "Audit open points"}).content
    assert (supplier_of(sb, supplier).status, supplier_of(sb, supplier).status_reason) == (
        "conditional",
        "Audit open points",
    )
    sb.slack.click(ANNA, Action.SUPPLIER_STATUS, f"{supplier.id}@{supplier_of(sb, supplier).version}")
    assert "Only QMS managers" in sb.fake.responses[-1].args["text"]


def test_the_picker_listener_is_registered_for_its_suggestion_id() -> None:
    from handlers import listeners

    assert any(listener.kind == "options" and listener.hears(Suggestion.NC_SUPPLIER) for listener in listeners())


def test_where_the_register_shows_home_export_pack_digest_and_objective(sb: Sandbox, clock: ManualClock) -> None:
    from bot import export, home, suppliers
    from bot.digest.replies import compute
    from bot.export.forms import Period
    from bot.objectives import MEASURES

    acme = registered_supplier(sb, next_evaluation="2026-12-01")
    registered_supplier(sb, name="Bolt & Nut", status="conditional", reason="Certificate renewal pending")
    raise_against(sb, "ACME Plastics")
    raise_nc(sb, source="supplier", supplier="Not Listed Ltd")
    # Quinn's Home tab: the evaluation due, and the conditional supplier.
    shown = str(home.view(sb.ctx, QUINN.id)["blocks"])
    assert "Suppliers" in shown and "ACME Plastics" in shown and "Certificate renewal pending" in shown
    assert Action.SUPPLIER_EVALUATE in shown
    assert "Suppliers" not in str(home.view(sb.ctx, BEN.id)["blocks"])
    # Anna's own Home tab: the evaluation of the supplier she owns, with its button.
    annas = str(home.view(sb.ctx, ANNA.id)["blocks"])
    assert "supplier evaluation" in annas and Action.SUPPLIER_EVALUATE in annas
    # The leaders' digest lists the evaluation due within the notice.
    with sb.db.session() as session:
        digest = compute(session, sb.clock.now(), sb.ctx.settings)
    assert any("ACME Plastics" in line for line in digest.suppliers_due)
    # Evaluated late (due 01 Dec, done 02 Dec): the objective measure counts it.
    tick(sb, clock, date(2026, 12, 2))
    sb.slack.click(QUINN, Action.SUPPLIER_EVALUATE, f"{acme.id}@{supplier_of(sb, acme).version}")
    answers = {"score": "3", "decision": "conditional", "reason": "One NC: 8D requested"}
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), answers).content
    with sb.db.session() as session:
        compute_measure = MEASURES["suppliers_evaluated_on_time"].compute
        assert compute_measure is not None
        assert compute_measure(session, date(2026, 12, 1), date(2027, 1, 1), sb.ctx.settings.zone) == 0.0
        assert compute_measure(session, date(2026, 11, 1), date(2026, 12, 1), sb.ctx.settings.zone) is None
        performance = suppliers.performance(
            session, date(2026, 11, 1), date(2026, 12, 3), sb.ctx.settings.zone, ["Not Listed Ltd"]
        )
        lines = suppliers.performance_lines(performance)
        period = Period(None, None, sb.ctx.settings.zone, sb.ctx.today())
        sheets = {r.sheet: list(r.rows(session, period)) for r in export.REGISTERS if r.sheet.startswith("Supplier")}
    assert lines[0].startswith("Supplier register: *2* (conditional 2); *1 evaluation* in the period")
    assert "ACME Plastics (SUP-0001, conditional): *1 NC*, 0 complaints, 0 returned" in lines
    assert "Not Listed Ltd (not in the register): *1 NC*" in lines
    assert [row[1] for row in sheets["Suppliers"]] == ["ACME Plastics", "Bolt & Nut"]
    ((evaluation),) = sheets["Supplier evaluations"]
    assert evaluation[:3] == ["SUP-0001", "ACME Plastics", date(2026, 12, 2)] and evaluation[5] == 1


def test_the_scorecard_counts_complaints_and_returns_since_the_last_evaluation(sb: Sandbox, clock: ManualClock) -> None:
    from bot import feedback, outputs
    from bot import nonconformity as nc
    from bot.suppliers import scorecard

    acme = registered_supplier(sb)
    complaint = feedback.log_feedback(
        sb.ctx,
        ANNA.id,
        feedback.Entry("complaint", "Müller GmbH", "Housings", "email", 1, "Cracked", date(2026, 11, 24), None),
    )
    form = nc.RaiseForm(
        title="Cracked housings at the customer",
        description="Two returned by Müller",
        severity="major",
        source="customer_complaint",
        process="Purchasing",
        supplier_pick=f"supplier:{acme.id}",
    )
    errors, draft = nc.check_raise(sb.ctx, form)
    assert errors == {} and draft is not None and draft.supplier_id == acme.id
    raised = nc.raise_nc(sb.ctx, ANNA.id, draft, complaint_id=complaint.id)
    outputs.record_output(sb.ctx, raised.id or 0, QUINN.id, {"item": "Housing", "quantity": "240"}, None)
    outputs.decide(
        sb.ctx, raised.id or 0, QUINN.id, {"kind": "return_to_supplier", "quantity": "40", "reason": "Theirs"}
    )
    outputs.decide(sb.ctx, raised.id or 0, QUINN.id, {"kind": "scrap", "quantity": "5", "reason": "Broken"})
    card = scorecard(sb.ctx, supplier_of(sb, acme))
    assert (card.figures.ncs, card.figures.complaints, card.figures.returned) == (1, 1, 40.0)
    # Evaluated: the next scorecard starts from that moment.
    clock.advance(hours=1)
    sb.slack.click(QUINN, Action.SUPPLIER_EVALUATE, f"{acme.id}@{supplier_of(sb, acme).version}")
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), {"score": "2", "decision": "approved"}).content
    clock.advance(hours=1)
    raise_against(sb, "ACME Plastics")
    again = scorecard(sb.ctx, supplier_of(sb, acme))
    assert (again.figures.ncs, again.figures.complaints, again.figures.returned) == (1, 0, 0.0)
