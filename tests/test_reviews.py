"""Management reviews through the real app: schedule, input pack, record, successor, output actions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.reviews import compile_pack
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage import reviews as store
from storage.audit import history
from storage.models import Audit, AuditFinding, Feedback, ManagementReview, Nonconformity, ReviewAction
from tests.flows import the_reviews

HEADINGS = [
    "Status of actions from previous management reviews",
    "Changes in external and internal issues relevant to the QMS",
    "Customer satisfaction and feedback from relevant interested parties",
    "Extent to which quality objectives have been met",
    "Process performance and conformity of products and services",
    "Nonconformities and corrective actions",
    "Monitoring and measurement results",
    "Audit results",
    "Performance of external providers",
    "Adequacy of resources",
    "Effectiveness of actions taken to address risks and opportunities",
    "Opportunities for improvement",
    "Nonconforming output: scrap, rework and the cost of poor quality",
]
LEADERSHIP = "S0LEADERS1"


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        sandbox.fake.add_usergroup(LEADERSHIP, [LENA.id, QUINN.id], handle="leadership")
        yield sandbox


def schedule(sb: Sandbox, **answers: Any) -> dict[str, Any]:
    sb.slack.command(QUINN, "/review", "schedule")
    response = sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {
            "planned_date": "2026-12-10",
            "attendees": [BEN.id],
            "groups": [LEADERSHIP],
            "recurrence": "half-yearly",
            **answers,
        },
    )
    return response.json() if response.content else {}


def packs(sb: Sandbox, user: str) -> list[dict[str, Any]]:
    return [m for m in sb.fake.sent_messages(user) if m["text"].startswith("Input pack for")]


def test_a_review_is_scheduled_with_groups_expanded(sb: Sandbox) -> None:
    assert schedule(sb) == {}
    (review,) = the_reviews(sb)
    assert (review.number, review.planned_date, review.recurrence) == (
        "MR-2026-0001",
        date(2026, 12, 10),
        "half-yearly",
    )
    assert review.attendees == [BEN.id, LENA.id, QUINN.id]
    assert "Only QMS managers" in sb.slack.command(BEN, "/review", "schedule").json()["text"]
    past = schedule(sb, planned_date="2026-11-01")
    assert "cannot be planned in the past" in past["errors"]["planned_date"]
    nobody = schedule(sb, attendees=[], groups=[])
    assert "Choose the attendees" in nobody["errors"]["attendees"]


def test_each_attendee_gets_the_pack_once_ahead_of_the_meeting(sb: Sandbox, clock: ManualClock) -> None:
    schedule(sb)
    sb.ctx.sender.drain()
    for day in (1, 2, 3, 4):
        clock.set(datetime(2026, 12, day, 9, 0, tzinfo=UTC))
        sb.ctx.nudges.derive()
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
        expected = 0 if day < 3 else 1  # 7 days before 10 Dec
        for person in (BEN.id, LENA.id, QUINN.id):
            assert len(packs(sb, person)) == expected, (day, person)
    blocks = json.dumps(packs(sb, BEN.id)[0]["blocks"], ensure_ascii=False)
    for heading in HEADINGS:
        assert f"*{heading}*" in blocks


def seed(sb: Sandbox) -> None:
    """A known period: one earlier review with an action, NCs (one from a supplier), feedback, an audit."""
    zone = sb.settings.zone
    at = datetime(2026, 9, 1, 10, 0, tzinfo=zone)
    with sb.db.session() as session:
        earlier = ManagementReview(
            number="MR-2026-0000",
            planned_date=date(2026, 6, 1),
            attendees=[LENA.id],
            recurrence="none",
            status="held",
            scheduled_by=QUINN.id,
            scheduled_at=at - timedelta(days=100),
            held_on=date(2026, 6, 2),
            minutes="Agreed to add a second supplier",
            recorded_by=QUINN.id,
            recorded_at=at - timedelta(days=90),
        )
        session.add(earlier)
        session.flush()
        session.add(
            ReviewAction(
                review_id=earlier.id,
                seq=1,
                description="Qualify a second resin supplier",
                owner=BEN.id,
                due_date=date(2026, 10, 1),
            )
        )
        for n, (process, source, supplier) in enumerate(
            [
                ("Production", "internal_audit", None),
                ("Purchasing", "supplier", "Resin & Co"),
                ("Purchasing", "supplier", "Resin & Co"),
            ],
            start=1,
        ):
            session.add(
                Nonconformity(
                    number=f"NC-2026-{n:04d}",
                    title=f"NC {n}",
                    description="x",
                    severity="minor",
                    source=source,
                    process=process,
                    supplier=supplier,
                    owner=ANNA.id,
                    reporter=BEN.id,
                    due_date=date(2026, 10, 1),
                    raised_at=at,
                    updated_at=at,
                )
            )
        session.add(
            Feedback(
                number="FB-2026-0001",
                kind="survey",
                customer="Acme",
                received_via="email",
                rating=4,
                text="Good",
                received_on=date(2026, 9, 2),
                logged_by=BEN.id,
                logged_at=at,
            )
        )
        session.add(
            Feedback(
                number="FB-2026-0002",
                kind="suggestion",
                customer="Acme",
                received_via="email",
                text="Ship on <Fridays>",
                received_on=date(2026, 9, 3),
                logged_by=BEN.id,
                logged_at=at,
            )
        )
        audit = Audit(
            number="AU-2026-0001",
            process="Production",
            scope="Line 2",
            lead_auditor=BEN.id,
            auditees=[ANNA.id],
            planned_date=date(2026, 9, 10),
            status="completed",
            planned_by=QUINN.id,
            planned_at=at,
            summary="Mostly conforming",
            completed_by=BEN.id,
            completed_at=at,
        )
        session.add(audit)
        session.flush()
        session.add(AuditFinding(audit_id=audit.id, seq=1, kind="improvement", text="Shadow board for tools"))
        session.add(AuditFinding(audit_id=audit.id, seq=2, kind="nonconformity", text="Rejects mixed", nc_id=1))


def test_the_pack_is_compiled_from_the_records_and_says_where_it_holds_nothing(sb: Sandbox) -> None:
    seed(sb)
    schedule(sb)
    with sb.db.session() as session:
        review = session.exec(select(ManagementReview).where(ManagementReview.number == "MR-2026-0001")).one()
        pack = compile_pack(session, sb.settings, review, date(2026, 12, 3))
    assert [s.heading for s in pack.sections] == HEADINGS
    assert (pack.start, pack.end) == (date(2026, 6, 2), date(2026, 12, 4))
    found = {s.heading: s.lines for s in pack.sections}
    said = {s.heading: s.no_data for s in pack.sections}
    assert any(
        "MR-2026-0000/A1 Qualify a second resin supplier" in line and "*overdue*" in line for line in found[HEADINGS[0]]
    )
    assert found[HEADINGS[1]] == [] and "no record" in (said[HEADINGS[1]] or "")
    assert found[HEADINGS[2]][0].startswith("Average rating *4.0* of 5 from 1 rated")
    assert found[HEADINGS[4]] == ["Purchasing: *2 NCs* raised", "Production: *1 NC* raised"]
    assert found[HEADINGS[5]][0].startswith("*3* raised (Supplier 2, Internal audit 1), *0* closed")
    assert found[HEADINGS[7]][0] == "*1 internal audit* completed, 100% of those planned in the period"
    assert found[HEADINGS[8]] == ["Resin &amp; Co (not in the register): *2 NCs*"]
    assert found[HEADINGS[9]] == []
    assert "AU-2026-0001: Shadow board for tools" in found[HEADINGS[11]]
    assert any("Ship on &lt;Fridays&gt;" in line for line in found[HEADINGS[11]])


def test_only_attendees_leaders_and_managers_read_the_pack(sb: Sandbox) -> None:
    schedule(sb, groups=[], attendees=[BEN.id])
    sb.slack.command(ANNA, "/review", "pack MR-2026-0001")
    assert "Only the attendees" in sb.slack.last_response()["text"]
    sb.slack.command(LENA, "/review", "pack MR-2026-0001")
    assert sb.slack.last_response()["text"].startswith("Input pack for MR-2026-0001")


def test_recording_the_review_tracks_its_actions_and_plans_the_next(sb: Sandbox, clock: ManualClock) -> None:
    schedule(sb)
    clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    sb.slack.command(QUINN, "/review", "record MR-2026-0001")
    form = sb.slack.last_view()
    bad = sb.slack.submit(
        QUINN, form, {"held_on": "2026-12-10", "minutes": "QMS suitable", "action_1": "Hire a second QA inspector"}
    ).json()
    assert "Choose who owns" in bad["errors"]["owner_1"] and "due date" in bad["errors"]["due_1"]
    answers = {
        "held_on": "2026-12-10",
        "minutes": "QMS suitable and effective; invest in inspection.",
        "action_1": "Hire a second QA inspector",
        "owner_1": LENA.id,
        "due_1": "2027-02-01",
    }
    assert (
        "Only QMS managers" in sb.slack.submit(BEN, form, answers).json()["errors"]["minutes"]
    )  # refused on the server
    assert not sb.slack.submit(QUINN, form, answers).content
    # Sent twice (the same view): the modal closes again, and nothing is recorded twice.
    assert not sb.slack.submit(QUINN, form, answers).content

    first, successor = the_reviews(sb)
    assert (first.status, first.held_on) == ("held", date(2026, 12, 10))
    assert (successor.number, successor.planned_date, successor.previous_id, successor.attendees) == (
        "MR-2027-0001",
        date(2027, 6, 10),
        first.id,
        first.attendees,
    )
    with sb.db.session() as session:
        (action,) = store.actions_of(session, first.id)  # type: ignore[arg-type]
        assert [e.action for e in history(session, "management_review", "MR-2026-0001")] == ["scheduled", "held"]
    sb.ctx.sender.drain()
    assigned = [m for m in sb.fake.sent_messages(LENA.id) if "gave you an action" in m["text"]]
    assert len(assigned) == 1

    # Reminded before its due date; marked done with evidence; then the next pack reports it done.
    clock.set(datetime(2027, 1, 29, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    reminder = [m for m in sb.fake.sent_messages(LENA.id) if "Your action from management review" in m["text"]][-1]
    sb.press(BEN, reminder, "Mark done")
    assert "Only the owner of MR-2026-0001/A1" in sb.slack.last_response()["text"]
    sb.press(LENA, reminder, "Mark done")
    assert not sb.slack.submit(LENA, sb.slack.last_view(), {"evidence": "Offer signed by J. Doe"}).content
    with sb.db.session() as session:
        done = session.get(ReviewAction, action.id)
        assert done and done.status == "done" and done.done_by == LENA.id
        pack = compile_pack(session, sb.settings, successor, date(2027, 6, 3))
    assert pack.since.startswith("since MR-2026-0001") and any(
        "A1 Hire a second QA inspector" in line and "done" in line for line in pack.sections[0].lines
    )


def test_an_unrecorded_review_reminds_the_managers(sb: Sandbox, clock: ManualClock) -> None:
    schedule(sb)
    clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert any("has not been recorded yet" in m["text"] for m in sb.fake.sent_messages(QUINN.id))


def test_a_cancelled_review_sends_no_pack_and_no_reminder(sb: Sandbox, clock: ManualClock) -> None:
    schedule(sb)
    sb.slack.command(BEN, "/review", "cancel MR-2026-0001 wrong year")
    assert "Only QMS managers" in sb.slack.last_response()["text"]
    sb.slack.command(QUINN, "/review", "cancel MR-2026-0001 planned in the wrong year")
    assert "is cancelled" in sb.slack.last_response()["text"]
    (review,) = the_reviews(sb)
    assert review.status == "cancelled"
    sb.ctx.sender.drain()
    before = {p: len(sb.fake.sent_messages(p)) for p in (BEN.id, LENA.id, QUINN.id)}
    for day in (4, 11):
        clock.set(datetime(2026, 12, day, 9, 0, tzinfo=UTC))
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
    assert {p: len(sb.fake.sent_messages(p)) for p in before} == before
    with sb.db.session() as session:
        assert [e.action for e in history(session, "management_review", "MR-2026-0001")] == ["scheduled", "cancelled"]


def test_homes_and_the_digest_show_the_programme(sb: Sandbox) -> None:
    from tests.flows import PLAN, SOP

    sb.slack.command(QUINN, "/audit", "plan")
    sb.slack.submit(QUINN, sb.slack.last_view(), {**PLAN, "planned_date": "2026-12-01"})
    schedule(sb, planned_date="2026-12-02")
    sb.slack.command(QUINN, "/doc", "add")
    sb.slack.submit(QUINN, sb.slack.last_view(), {**SOP, "owner": BEN.id})
    sb.slack.event({"type": "app_home_opened", "user": BEN.id, "channel": "D" + BEN.id[1:], "tab": "home"})
    ben = json.dumps(sb.fake.home_views[BEN.id]["blocks"], ensure_ascii=False)
    assert "*Your audits, reviews and document reviews* (3)" in ben
    assert (
        "*AU-2026-0001* · you audit Production" in ben
        and "*MR-2026-0001* · management review" in ben
        and "*SOP-012* rev C · review" in ben
    )
    sb.slack.event({"type": "app_home_opened", "user": QUINN.id, "channel": "D" + QUINN.id[1:], "tab": "home"})
    quinn = json.dumps(sb.fake.home_views[QUINN.id]["blocks"], ensure_ascii=False)
    assert "*Audit programme*: 0 of 1 done this cycle, 0 overdue, 8 processes not yet planned" in quinn
    assert "*Next management review*: MR-2026-0001 on 02 Dec 2026" in quinn
    sb.slack.command(LENA, "/qms", "digest")
    digest = json.dumps(sb.slack.last_response()["blocks"], ensure_ascii=False)
    assert "*Internal audits* (cycle from 01 Jan 2026)" in digest and "Done: *0* of 1 planned" in digest
    assert (
        "AU-2026-0001 · internal audit of Production" in digest
        and "MR-2026-0001 · management review · 02 Dec" in digest
    )


def test_a_review_beyond_the_planning_horizon_is_refused_on_its_date(sb: Sandbox) -> None:
    # 9999-12-31 with a recurrence used to be accepted, and then could never be recorded.
    answer = schedule(sb, planned_date="9999-12-31")
    assert "too far ahead" in answer["errors"]["planned_date"]
    assert the_reviews(sb) == []
    assert schedule(sb, planned_date="2031-11-01") == {}  # within five years: fine
