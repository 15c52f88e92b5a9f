"""Internal audits through the real app: planning, reminders, the checklist, completion, coverage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import audits as store
from storage.audit import history
from storage.models import Nonconformity
from tests.flows import PLAN, answer, checklist_message, plan, the_audits


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def texts(sb: Sandbox, person: Person) -> list[str]:
    return [m["text"] for m in sb.fake.sent_messages(person.id)]


def test_a_qms_manager_plans_an_audit_and_the_people_are_told(sb: Sandbox) -> None:
    assert plan(sb) == {}
    (audit,) = the_audits(sb)
    assert (audit.number, audit.process, audit.lead_auditor, audit.auditees, audit.planned_date) == (
        "AU-2026-0001",
        "Production",
        BEN.id,
        [ANNA.id],
        date(2026, 12, 16),
    )
    with sb.db.session() as session:
        lines = store.questions_of(session, audit.id)  # type: ignore[arg-type]
    # Built from the clauses in scope, since Production was never audited before.
    assert [q.clause for q in lines] == ["7.5", "8.5.1", "8.7"]
    sb.ctx.sender.drain()
    assert "You are the lead auditor of *AU-2026-0001*" in texts(sb, BEN)[-1]
    assert "Your area is audited" in texts(sb, ANNA)[-1]


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"planned_date": "2026-11-24"}, "planned_date", "cannot be planned in the past"),
        ({"auditees": [BEN.id]}, "auditees", "nobody audits their own work"),
        ({"clauses": "8.7, banana"}, "clauses", "Entry 2 is not a clause number"),
        ({"scope": "  "}, "scope", "Say what the audit covers"),
        ({"process": "Moon base"}, "process", "Choose the process"),
    ],
)
def test_bad_plans_are_answered_in_the_form(sb: Sandbox, change: dict[str, Any], block: str, says: str) -> None:
    answered = plan(sb, **change)
    assert answered["response_action"] == "errors" and says in answered["errors"][block]
    assert the_audits(sb) == []


def test_only_qms_managers_plan_audits(sb: Sandbox) -> None:
    assert "Only QMS managers can plan" in sb.slack.command(ANNA, "/audit", "plan").json()["text"]
    # Even a forged submission of the form is refused on the server.
    sb.slack.command(QUINN, "/audit", "plan")
    answered = sb.slack.submit(ANNA, sb.slack.last_view(), PLAN).json()
    assert answered["response_action"] == "errors" and "Only QMS managers" in answered["errors"]["process"]
    assert the_audits(sb) == []


def test_the_lead_auditor_is_reminded_ahead_the_day_before_and_on_the_day_then_managers_when_overdue(
    sb: Sandbox, clock: ManualClock
) -> None:
    plan(sb)
    sb.ctx.sender.drain()
    counted = {BEN.id: len(texts(sb, BEN)), QUINN.id: len(texts(sb, QUINN))}
    reminded: dict[str, list[int]] = {BEN.id: [], QUINN.id: []}
    for day in range(1, 19):
        clock.set(datetime(2026, 12, day, 9, 0, tzinfo=UTC))  # 10:00 in Berlin
        sb.ctx.nudges.derive()
        sb.ctx.nudges.derive()  # a second run (or a second instance) adds nothing
        sb.ctx.sender.drain()
        for person in (BEN, QUINN):
            now = len(texts(sb, person))
            reminded[person.id] += [day] * (now - counted[person.id])
            counted[person.id] = now
    # 14 and 7 days ahead (to prepare), the day before, the day itself, then overdue: with the managers.
    assert reminded[BEN.id] == [2, 9, 15, 16, 17]
    assert reminded[QUINN.id] == [17]
    assert "is in *14 days*" in texts(sb, BEN)[-5] and "is *tomorrow*" in texts(sb, BEN)[-3]
    assert "*not completed*" in texts(sb, QUINN)[-1]


def test_checklist_answers_and_a_nonconforming_line_raises_a_linked_nc(sb: Sandbox) -> None:
    plan(sb)
    (audit,) = the_audits(sb)
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    message = checklist_message(sb, BEN, "AU-2026-0001")
    answer(sb, BEN, message, 1, "conforming")
    message = checklist_message(sb, BEN, "AU-2026-0001")
    assert "✅ Conforming" in json.dumps(message["blocks"], ensure_ascii=False)

    answer(sb, BEN, message, 2, "observation")
    sb.slack.submit(
        BEN, sb.slack.last_view(), {"note": "Work instruction WI-7 at station 3 is a photocopy without revision"}
    )

    answer(sb, BEN, checklist_message(sb, BEN, "AU-2026-0001"), 3, "nonconforming")
    form = sb.slack.last_view()
    prefilled = {b["block_id"]: b["element"] for b in form["blocks"] if b.get("type") == "input"}
    assert prefilled["source"]["initial_option"]["value"] == "internal_audit"
    assert prefilled["process"]["initial_option"]["value"] == "Production"
    assert prefilled["iso_clause"]["initial_value"] == "8.7"
    response = sb.slack.submit(
        BEN,
        form,
        {
            "title": prefilled["title"]["initial_value"],
            "description": "Rejected housings mixed with good parts at line 2",
            "severity": "major",
            "source": "internal_audit",
            "process": "Production",
            "iso_clause": "8.7",
        },
    )
    assert not response.content
    with sb.db.session() as session:
        lines = store.questions_of(session, audit.id)  # type: ignore[arg-type]
        findings = store.findings_of(session, audit.id)  # type: ignore[arg-type]
        nc = session.exec(select(Nonconformity)).one()
    assert [q.answer for q in lines] == ["conforming", "observation", "nonconforming"]
    assert lines[2].nc_id == nc.id and nc.source == "internal_audit"
    assert [(f.kind, f.nc_id) for f in findings] == [("nonconformity", nc.id)]
    redrawn = json.dumps(checklist_message(sb, BEN, "AU-2026-0001")["blocks"], ensure_ascii=False)
    assert f"→ <{nc.card_permalink}|{nc.number}>" in redrawn and "3 of 3 answered" in redrawn

    # Someone who is neither the auditor nor a QMS manager cannot answer.
    line_id = lines[0].id
    sb.slack.choose(
        ANNA, "audit_answer", f"{line_id}:observation", message=checklist_message(sb, BEN, "AU-2026-0001"), block_id="x"
    )
    assert "Only the lead auditor" in sb.slack.last_response()["text"]


def test_completing_turns_findings_into_linked_ncs_once(sb: Sandbox, clock: ManualClock) -> None:
    plan(sb)
    (audit,) = the_audits(sb)
    sb.slack.command(BEN, "/audit", "AU-2026-0001")
    record = sb.slack.last_response()
    complete = next(
        e
        for b in record["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == "audit_complete_open"
    )
    sb.slack.click(BEN, "audit_complete_open", complete["value"])
    form = sb.slack.last_view()
    answers = {
        "summary": "Line 2 largely conforming; segregation of rejects weak.",
        "nonconformities": "Rejects not segregated at station 3\n- Torque wrench TW-12 calibration overdue",
        "severity": "major",
        "improvements": "Shadow board for hand tools",
        "positives": "Operators knew the quality objectives",
    }
    assert not sb.slack.submit(BEN, form, answers).content
    # Sent twice (the same view): the modal closes again, and nothing is done twice.
    assert not sb.slack.submit(BEN, form, answers).content

    with sb.db.session() as session:
        done = store.get(session, audit.id)  # type: ignore[arg-type]
        findings = store.findings_of(session, audit.id)  # type: ignore[arg-type]
        ncs = list(session.exec(select(Nonconformity).order_by(Nonconformity.id)))  # type: ignore[arg-type]
        trail = history(session, "audit", "AU-2026-0001")
        nc_trail = history(session, "nonconformity", ncs[0].number)
    assert done and done.status == "completed" and done.completed_by == BEN.id
    assert [(f.kind, f.text) for f in findings] == [
        ("nonconformity", "Rejects not segregated at station 3"),
        ("nonconformity", "Torque wrench TW-12 calibration overdue"),
        ("improvement", "Shadow board for hand tools"),
        ("positive", "Operators knew the quality objectives"),
    ]
    assert [f.nc_id for f in findings[:2]] == [n.id for n in ncs]
    assert all(n.source == "internal_audit" and n.severity == "major" and n.process == "Production" for n in ncs)
    assert [e.action for e in trail] == ["planned", "completed"]
    assert nc_trail[0].after and nc_trail[0].after["from"] == "AU-2026-0001"
    # Each NC got its card in the QMS channel, like any NC.
    with sb.db.session() as session:
        assert all(session.get(Nonconformity, n.id).card_ts for n in ncs)  # type: ignore[union-attr]
    sb.ctx.sender.drain()
    assert any("completed internal audit *AU-2026-0001*" in t for t in texts(sb, QUINN))
    # The audit's reminders stop once it is completed.
    clock.set(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
    before = len(texts(sb, BEN))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert len(texts(sb, BEN)) == before


def test_an_employee_cannot_complete_an_audit(sb: Sandbox) -> None:
    plan(sb)
    (audit,) = the_audits(sb)
    sb.slack.click(ANNA, "audit_complete_open", str(audit.id))
    assert "Only the lead auditor" in sb.slack.last_response()["text"]


def test_the_programme_shows_coverage_gaps_and_the_next_audit_copies_the_checklist(sb: Sandbox) -> None:
    plan(sb)
    plan(sb, process="Purchasing", clauses="", lead_auditor=ANNA.id, auditees=[BEN.id])
    sb.slack.command(LENA, "/audit", "list")
    programme = json.dumps(sb.slack.last_response()["blocks"], ensure_ascii=False)
    assert "Audit programme 01 Jan 2026 – 31 Dec 2026" in programme
    assert "*Planned* (2)" in programme
    gaps = programme.split("Not yet audited this cycle")[1]
    assert "Sales" in gaps and "Production" not in gaps and "Purchasing" not in gaps

    # Purchasing had no clauses: the whole template.
    audits = the_audits(sb)
    with sb.db.session() as session:
        assert len(store.questions_of(session, audits[1].id)) == 12  # type: ignore[arg-type]
    plan(sb, clauses="9.1", planned_date="2027-03-10")
    with sb.db.session() as session:
        copied = store.questions_of(session, the_audits(sb)[2].id)  # type: ignore[arg-type]
    assert [q.clause for q in copied] == ["7.5", "8.5.1", "8.7"]  # from the earlier Production audit


def test_user_text_on_the_record_pings_nobody(sb: Sandbox) -> None:
    plan(sb, scope="<!channel> all of line 2 <@U0EVIL0001>")
    sb.slack.command(QUINN, "/audit", "AU-2026-0001")
    shown = json.dumps(sb.slack.last_response()["blocks"])
    assert (
        "&lt;!channel&gt; all of line 2 &lt;@U0EVIL0001&gt;" in shown
        and "<!channel>" not in shown
        and "<@U0EVIL" not in shown
    )


def test_too_many_clauses_for_the_record_are_refused_in_the_form(sb: Sandbox) -> None:
    clauses = ",".join([f"{major}.{minor}.{n}" for major in (7, 8) for minor in range(1, 6) for n in range(1, 5)][:33])
    assert len(clauses) <= 200 < len(", ".join(clauses.split(",")))
    answered = plan(sb, clauses=clauses)
    assert "Keep the clauses under 200 characters" in answered["errors"]["clauses"]


def test_a_cancelled_audit_stops_its_reminders(sb: Sandbox, clock: ManualClock) -> None:
    plan(sb)
    sb.slack.command(QUINN, "/audit", "cancel AU-2026-0001 process merged into Purchasing")
    assert "is cancelled" in sb.slack.last_response()["text"]
    sb.ctx.sender.drain()
    before = len(texts(sb, BEN))
    for day in (2, 9, 15, 16, 17):
        clock.set(datetime(2026, 12, day, 9, 0, tzinfo=UTC))
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
    assert len(texts(sb, BEN)) == before
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    message = checklist_message(sb, BEN, "AU-2026-0001")
    assert "is cancelled; the checklist is kept as it was" in json.dumps(message["blocks"])


def test_an_answer_after_completion_is_refused(sb: Sandbox) -> None:
    plan(sb)
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    message = checklist_message(sb, BEN, "AU-2026-0001")
    (audit,) = the_audits(sb)
    from bot import audits as rules

    rules.complete(sb.ctx, audit.id or 0, BEN.id, rules.Completion("Done", [], "minor", [], []))
    answer(sb, BEN, message, 1, "conforming")
    assert "already completed" in sb.slack.last_response()["text"]
    with sb.db.session() as session:
        assert [q.answer for q in store.questions_of(session, audit.id)] == [None, None, None]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [(date(2026, 11, 25), date(2026, 1, 1), date(2027, 1, 1)), (date(2026, 7, 1), date(2026, 1, 1), date(2027, 1, 1))],
)
def test_the_cycle_is_the_calendar_year_by_default(day: date, start: date, end: date) -> None:
    from bot.audits import current_cycle
    from bot.workspace.config import explicit_settings

    assert current_cycle(explicit_settings(), day) == (start, end)
    assert current_cycle(explicit_settings(audit_cycle_months=6), day)[0] == date(2026, 7 if day.month > 6 else 1, 1)
    assert current_cycle(explicit_settings(audit_cycle_months=36), day) == (date(2024, 1, 1), date(2027, 1, 1))
