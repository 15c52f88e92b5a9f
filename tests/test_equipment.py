"""The equipment register (7.1.5) through the real app: register a gauge, its calibration
reminders, a failed calibration that quarantines it and opens a linked NC, a pass that releases it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import equipment as store
from storage.audit import history
from storage.models import Calibration, EvidenceFile, MeasuringEquipment, Nonconformity
from tests.flows import GAUGE, calibrate, open_home, register_gauge

CERTIFICATE = b"%PDF-1.4 calibration certificate G-012 as found +0.04 mm" * 20


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def gauge(sb: Sandbox) -> MeasuringEquipment:
    with sb.db.session() as session:
        found = store.by_key(session, "g-012")
    assert found is not None
    return found


def reminders_to(sb: Sandbox, person: Person) -> list[dict[str, Any]]:
    return [m for m in sb.fake.sent_messages(person.id) if "The calibration of" in m["text"]]


def tick(sb: Sandbox, clock: ManualClock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()


def test_a_gauge_is_registered_with_its_next_calibration(sb: Sandbox) -> None:
    assert register_gauge(sb) == {}
    found = gauge(sb)
    assert (found.tag, found.owner, found.status, found.next_due) == ("G-012", ANNA.id, "in_use", date(2026, 12, 2))
    again = register_gauge(sb, tag="g-012")
    assert "already in the register" in again["errors"]["tag"]


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"last_calibrated": "2026-11-26"}, "last_calibrated", "cannot be in the future"),
        ({"tag": "<!channel>"}, "tag", "as it is printed"),
        ({"owner": None}, "owner", "Choose who looks after"),
        ({"location": ""}, "location", "Enter the location"),
    ],
)
def test_bad_registrations_are_answered_in_the_form(sb: Sandbox, change: dict[str, Any], block: str, says: str) -> None:
    assert says in register_gauge(sb, **change)["errors"][block]


def test_only_qms_managers_register_equipment(sb: Sandbox) -> None:
    assert "Only QMS managers" in sb.slack.command(BEN, "/equipment", "add").json()["text"]
    sb.slack.command(QUINN, "/equipment", "add")
    forged = sb.slack.submit(BEN, sb.slack.last_view(), GAUGE).json()  # a form a manager opened, sent by Ben
    assert "Only QMS managers" in forged["errors"]["tag"]


def test_a_gauge_due_in_7_days_nudges_its_owner_then_fails_and_passes(sb: Sandbox, clock: ManualClock) -> None:
    register_gauge(sb)
    tick(sb, clock, date(2026, 11, 25))  # 7 days before 2 Dec: the notice
    tick(sb, clock, date(2026, 11, 26))
    (reminder,) = reminders_to(sb, ANNA)
    assert "falls due on *02 Dec 2026*" in reminder["text"]

    # Ben is neither the owner nor a QMS manager.
    sb.press(BEN, reminder, "Record calibration")
    assert "Only the owner of G-012" in sb.slack.last_response()["text"]

    # A fail without findings is refused in the form; with them and a certificate it quarantines the gauge.
    no_note = calibrate(sb, ANNA, reminder, result="fail")
    assert "Say what was found" in no_note["errors"]["note"]
    certificate = sb.fake.add_file(ANNA.id, "G-012 certificate.pdf", CERTIFICATE, "application/pdf")
    sb.slack.submit(
        ANNA,
        sb.slack.last_view(),
        {
            "calibrated_on": "2026-11-26",
            "performer": "lab",
            "performed_by": "Kalibrierlabor Nord",
            "result": "fail",
            "certificate": "KLN-2026-4471",
            "note": "As found +0.04 mm at 100 mm, tolerance 0.02",
            "files": [certificate],
        },
    )
    found = gauge(sb)
    assert found.status == "quarantined" and found.next_due == date(2026, 12, 2)
    with sb.db.session() as session:
        (failed,) = session.exec(select(Calibration)).all()
        nc = session.get(Nonconformity, failed.nc_id)
        files = list(session.exec(select(EvidenceFile).where(EvidenceFile.record_type == "equipment")))
        nc_trail = history(session, "nonconformity", nc.number if nc else "")
    assert nc is not None and found.quarantine_nc_id == nc.id  # linked both ways
    assert (
        nc.owner == ANNA.id
        and nc.iso_clause == "7.1.5.2"
        and "since its last good calibration on 02 Dec 2025" in nc.title
    )
    assert "calibration of G-012" in str(nc_trail[0].after)
    assert [f.name for f in files] == ["G-012 certificate.pdf"]
    assert sb.message(reminder["channel"], reminder["ts"])["blocks"] == []  # the reminder's button is gone
    sb.slack.command(QUINN, "/equipment", "G-012")
    shown = str(sb.slack.last_response()["blocks"])
    assert "quarantined" in shown and nc.number in shown and "G-012 certificate.pdf" in shown
    # Both Home tabs and the digest list it; the owner's with the button that releases it.
    owner_home = open_home(sb, ANNA)
    assert "G-012" in owner_home and "quarantined" in owner_home and "Record calibration" in owner_home
    manager_home = open_home(sb, QUINN)
    assert "*Measuring equipment*: 0 overdue for calibration, 1 quarantined — G-012" in manager_home
    sb.slack.command(QUINN, "/qms", "digest")
    digest = str(sb.slack.last_response()["blocks"])
    assert "*Measuring equipment*: *0* overdue for calibration, *1* quarantined, of 1" in digest
    # Quarantined equipment is not chased: it is not in use.
    before = len(reminders_to(sb, ANNA))
    tick(sb, clock, date(2026, 12, 3))
    assert len(reminders_to(sb, ANNA)) == before

    # A pass (from /equipment, the button on the record) releases it and sets the next date.
    sb.slack.command(ANNA, "/equipment", "G-012")
    shown_to_owner = sb.slack.last_response()
    assert calibrate(sb, ANNA, shown_to_owner, performer="internal", performed_by="Anna", result="adjusted") == {}
    released = gauge(sb)
    assert (released.status, released.last_calibrated, released.next_due, released.quarantine_nc_id) == (
        "in_use",
        date(2026, 12, 3),
        date(2027, 12, 3),
        None,
    )
    with sb.db.session() as session:
        trail = history(session, "equipment", "G-012")
    assert [e.action for e in trail if e.action != "evidence_attached"] == ["registered", "quarantined", "calibrated"]


def test_an_overdue_calibration_reaches_the_managers(sb: Sandbox, clock: ManualClock) -> None:
    register_gauge(sb, last_calibrated="2025-11-01")  # due 1 Nov 2026: already 24 days overdue
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert "is *24 days overdue*" in reminders_to(sb, ANNA)[0]["text"]
    escalated = [m for m in sb.fake.sent_messages(QUINN.id) if "is 24 days overdue" in m["text"]]
    assert escalated and "Record calibration" in str(escalated[0]["blocks"])


def test_a_calibration_sent_twice_is_recorded_once(sb: Sandbox, clock: ManualClock) -> None:
    register_gauge(sb, **{k: v for k, v in GAUGE.items() if k == "tag"})
    tick(sb, clock, date(2026, 11, 25))
    (reminder,) = reminders_to(sb, ANNA)
    sb.press(ANNA, reminder, "Record calibration")
    form = sb.slack.last_view()
    values = {"calibrated_on": "2026-11-25", "performer": "lab", "performed_by": "Lab", "result": "pass"}
    sb.slack.submit(ANNA, form, values)
    sb.slack.submit(ANNA, form, values)
    with sb.db.session() as session:
        assert len(session.exec(select(Calibration)).all()) == 1


def test_out_of_service_is_not_chased_and_back_in_use_is(sb: Sandbox, clock: ManualClock) -> None:
    register_gauge(sb, last_calibrated="2025-11-01")  # overdue
    assert "Say why" in sb.slack.command(ANNA, "/equipment", "out G-012").json()["text"]
    assert "Only the owner" in sb.slack.command(BEN, "/equipment", "out G-012 broken").json()["text"]
    assert "out of service" in sb.slack.command(ANNA, "/equipment", "out G-012 sent for repair").json()["text"]
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert reminders_to(sb, ANNA) == [] and gauge(sb).status == "out_of_service"
    assert "Already done" in sb.slack.command(QUINN, "/equipment", "out G-012 again").json()["text"]
    assert "back in use" in sb.slack.command(QUINN, "/equipment", "back G-012").json()["text"]
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert "overdue" in reminders_to(sb, ANNA)[0]["text"]
    with sb.db.session() as session:
        trail = history(session, "equipment", "G-012")
    assert [(e.action, e.note) for e in trail] == [
        ("registered", None),
        ("out_of_service", "sent for repair"),
        ("back_in_use", None),
    ]
