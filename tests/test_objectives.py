"""Quality objectives: periods, the status rule, computed measures on known data, /kpi."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.objectives import MEASURES, parse_period, period_of, status
from bot.standin.sandbox import ANNA, LENA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.db import Database
from storage.models import Feedback, Nonconformity, TrainingAssignment, TrainingRound

BERLIN = ZoneInfo("Europe/Berlin")


def test_periods_cover_month_quarter_and_year_without_overlap() -> None:
    assert period_of("month", date(2026, 12, 15)) == ("2026-12", date(2026, 12, 1), date(2027, 1, 1))
    assert period_of("quarter", date(2026, 11, 25)) == ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1))
    assert period_of("quarter", date(2026, 2, 1)) == ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1))
    assert period_of("year", date(2026, 7, 4)) == ("2026", date(2026, 1, 1), date(2027, 1, 1))
    assert parse_period("month", "2026-02") == ("2026-02", date(2026, 2, 1), date(2026, 3, 1))
    assert parse_period("quarter", "2026-q3") == ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1))
    assert parse_period("month", "2026-13") is None and parse_period("year", "26") is None


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (95, 90, "at_least", "met"),
        (90, 90, "at_least", "met"),
        (81, 90, "at_least", "at risk"),  # misses by 9, within 10% of 90
        (80, 90, "at_least", "missed"),
        (5, 10, "at_most", "met"),
        (11, 10, "at_most", "at risk"),
        (12, 10, "at_most", "missed"),
        (None, 10, "at_most", "no data"),
    ],
)
def test_the_status_rule(value: float | None, target: float, direction: str, expected: str) -> None:
    assert status(value, target, direction) == expected


def _nc(n: int, raised: datetime, closed: datetime | None, due: date) -> Nonconformity:
    return Nonconformity(
        number=f"NC-2026-{n:04d}",
        title="t",
        description="d",
        severity="minor",
        source="employee_report",
        process="Sales",
        owner=ANNA.id,
        reporter=ANNA.id,
        due_date=due,
        raised_at=raised,
        updated_at=raised,
        status="closed" if closed else "open",
        closed_at=closed,
    )


def test_computed_measures_match_hand_computed_values(db: Database) -> None:
    utc = UTC
    with db.session() as session:
        # Closed in November (Berlin): NCs 1, 2 and 6; 2 by their due date; 4, 10 and 29 days → median 10.
        session.add(
            _nc(1, datetime(2026, 11, 2, 9, tzinfo=utc), datetime(2026, 11, 6, 9, tzinfo=utc), date(2026, 11, 10))
        )
        session.add(
            _nc(2, datetime(2026, 11, 5, 9, tzinfo=utc), datetime(2026, 11, 15, 9, tzinfo=utc), date(2026, 11, 15))
        )
        # Closed 23:30 UTC on 30 Nov, which is 1 Dec in Berlin: December, not November.
        session.add(
            _nc(3, datetime(2026, 11, 1, 9, tzinfo=utc), datetime(2026, 11, 30, 23, 30, tzinfo=utc), date(2026, 11, 20))
        )
        session.add(
            _nc(4, datetime(2026, 10, 1, 9, tzinfo=utc), datetime(2026, 10, 31, 9, tzinfo=utc), date(2026, 10, 20))
        )
        session.add(_nc(5, datetime(2026, 10, 2, 9, tzinfo=utc), None, date(2026, 11, 1)))  # open: not counted
        # Closed late, still in November: due 5 Nov, closed 30 Nov.
        session.add(
            _nc(6, datetime(2026, 11, 1, 9, tzinfo=utc), datetime(2026, 11, 30, 10, tzinfo=utc), date(2026, 11, 5))
        )
        # Training: a round due in November with 4 people, 3 acknowledged; one due in December.
        for n, due in ((1, date(2026, 11, 20)), (2, date(2026, 12, 3))):
            session.add(
                TrainingRound(
                    number=f"TR-2026-{n:04d}",
                    title="t",
                    doc_ref=f"SOP-{n}",
                    revision="A",
                    doc_key=f"sop-{n}",
                    revision_key="a",
                    summary="s",
                    due_date=due,
                    publisher=QUINN.id,
                    published_at=datetime(2026, 11, 1, tzinfo=utc),
                    audience={},
                )
            )
        session.flush()
        for i, state in enumerate(["acknowledged", "acknowledged", "acknowledged", "pending"]):
            session.add(TrainingAssignment(round_id=1, person=f"U0P{i:07d}", status=state))
        session.add(TrainingAssignment(round_id=2, person="U0P0000009", status="pending"))
        # Feedback in November: ratings 5 and 2 → 3.5; one complaint.
        for n, (kind, rating) in enumerate([("survey", 5), ("survey", 2), ("complaint", None)], start=1):
            session.add(
                Feedback(
                    number=f"FB-2026-{n:04d}",
                    kind=kind,
                    customer="C",
                    received_via="email",
                    rating=rating,
                    text="t",
                    received_on=date(2026, 11, 10),
                    logged_by=ANNA.id,
                    logged_at=datetime(2026, 11, 10, tzinfo=utc),
                )
            )
    november = (date(2026, 11, 1), date(2026, 12, 1))
    with db.session() as session:

        def measure(key: str) -> float | None:
            compute = MEASURES[key].compute
            assert compute is not None
            return compute(session, *november, BERLIN)

        # Closed in November: NC 1 (on time), NC 2 (on time, on the due day), NC 6 (late) → 66.7%.
        assert measure("ncs_closed_on_time") == 66.7
        assert measure("nc_days_to_close") == 10.0  # 4, 10 and 29 days
        assert measure("training_completion") == 75.0
        assert measure("customer_rating") == 3.5
        assert measure("complaints") == 1.0
        compute = MEASURES["ncs_closed_on_time"].compute
        assert compute is not None and compute(session, date(2025, 1, 1), date(2025, 2, 1), BERLIN) is None


def test_kpi_commands_define_log_and_show_objectives(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        sb.slack.command(ANNA, "/kpi", "new")
        assert "Only QMS managers can define quality objectives" in sb.slack.last_response()["text"]
        sb.slack.command(QUINN, "/kpi", "new")
        view = sb.slack.last_view()
        bad = sb.slack.submit(
            QUINN,
            view,
            {"name": "Scrap rate", "measure": "manual", "direction": "at_most", "target": "two", "period": "month"},
        ).json()
        assert "as a number" in bad["errors"]["target"]
        assert not sb.slack.submit(
            QUINN,
            view,
            {
                "name": "Scrap rate",
                "measure": "manual",
                "direction": "at_most",
                "target": "2,5",
                "unit": "%",
                "period": "month",
            },
        ).content
        sb.slack.command(QUINN, "/kpi", "new")
        sb.slack.submit(
            QUINN,
            sb.slack.last_view(),
            {
                "name": "Customer rating",
                "measure": "customer_rating",
                "direction": "at_least",
                "target": "4",
                "period": "quarter",
            },
        )
        assert ["OBJ-1" in m["text"] for m in sb.fake.sent_messages(QUINN.id)[-2:]] == [True, False]
        sb.slack.command(ANNA, "/kpi", "log OBJ-1 2")
        assert "Only QMS managers or leaders can log KPI values" in sb.slack.last_response()["text"]
        sb.slack.command(LENA, "/kpi", "log OBJ-1 2.7")
        assert "2.7% for OBJ-1" in sb.slack.last_response()["text"] and "*at risk*" in sb.slack.last_response()["text"]
        sb.slack.command(LENA, "/kpi", "log OBJ-1 1.9 2026-10")
        assert "2026-10: *met*" in sb.slack.last_response()["text"]
        for text, says in (
            ("log OBJ-1 1,250", "not a number"),
            ("log OBJ-1 4 0000-01", "years 2000 to 2100"),
            ("log OBJ-99999999999999999999 4", "Use `/kpi log"),
            ("log OBJ-2 4", "measured by the bot"),
            ("log OBJ-9 4", "There is no OBJ-9"),
            ("log OBJ-1 4 2027-01", "not started yet"),
            ("log OBJ-1 x", "not a number"),
            ("log OBJ-1 4 Q4", "per month"),
        ):
            sb.slack.command(QUINN, "/kpi", text)
            assert says in sb.slack.last_response()["text"], text
        sb.slack.command(ANNA, "/kpi")
        shown = json.dumps(sb.slack.last_response()["blocks"])
        assert "*OBJ-1* Scrap rate: 2.7% \\u00b7 target at most 2.5%" in shown and "*at risk*" in shown
        assert "*OBJ-2* Customer rating: no data" in shown and "Status rule" in shown
        sb.slack.command(LENA, "/qms", "digest")
        assert "Quality objectives" in json.dumps(sb.slack.last_response()["blocks"])


def test_an_objectives_unit_pings_nobody(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        sb.slack.command(QUINN, "/kpi", "new")
        sb.slack.submit(
            QUINN,
            sb.slack.last_view(),
            {
                "name": "<!channel> rate",
                "measure": "manual",
                "direction": "at_most",
                "target": "2",
                "unit": "<!here>",
                "period": "year",
            },
        )
        sb.slack.command(QUINN, "/kpi", "log OBJ-1 1")
        sb.slack.command(ANNA, "/kpi")
        shown = json.dumps(sb.slack.last_response()["blocks"]) + json.dumps([r.args for r in sb.fake.responses])
        assert "<!here>" not in shown and "<!channel>" not in shown and "&lt;!here&gt;" in shown
