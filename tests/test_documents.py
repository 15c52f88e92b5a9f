"""The document register through the real app: register, review nudges, no change, revised with training."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import documents as store
from storage.audit import history
from storage.models import ControlledDocument, TrainingRound
from tests.flows import SOP, doc


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def add(sb: Sandbox, person: Person = QUINN, **answers: Any) -> dict[str, Any]:
    sb.slack.command(QUINN, "/doc", "add")
    response = sb.slack.submit(person, sb.slack.last_view(), {**SOP, **answers})
    return response.json() if response.content else {}


def nudges_to(sb: Sandbox, person: Person) -> list[dict[str, Any]]:
    return [m for m in sb.fake.sent_messages(person.id) if "The review of" in m["text"]]


def test_a_document_is_registered_with_its_next_review(sb: Sandbox) -> None:
    assert add(sb) == {}
    found = doc(sb)
    assert (found.reference, found.owner, found.revision, found.next_review) == (
        "SOP-012",
        ANNA.id,
        "C",
        date(2026, 12, 9),
    )
    again = add(sb, reference="sop-012")
    assert "already in the register" in again["errors"]["reference"]


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"last_reviewed": "2026-11-26"}, "last_reviewed", "cannot be in the future"),
        ({"link": "javascript:alert(1)"}, "link", "https://"),
        ({"reference": "<!channel>"}, "reference", "as it is printed"),
        ({"owner": None}, "owner", "Choose who owns"),
    ],
)
def test_bad_registrations_are_answered_in_the_form(sb: Sandbox, change: dict[str, Any], block: str, says: str) -> None:
    answered = add(sb, **change)
    assert says in answered["errors"][block]
    with sb.db.session() as session:
        assert session.exec(select(ControlledDocument)).all() == []


def test_only_qms_managers_register_documents(sb: Sandbox) -> None:
    assert "Only QMS managers" in sb.slack.command(BEN, "/doc", "add").json()["text"]
    answered = add(sb, person=BEN)
    assert "Only QMS managers" in answered["errors"]["reference"]


def test_the_owner_is_nudged_once_and_reviewed_no_change_sets_the_next_date(sb: Sandbox, clock: ManualClock) -> None:
    add(sb)
    for day in (25, 26, 27):  # 14 days ahead of 9 Dec is 25 Nov
        clock.set(datetime(2026, 11, day, 9, 0, tzinfo=UTC))
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
    (nudge,) = nudges_to(sb, ANNA)
    assert "falls due on *09 Dec 2026*" in nudge["text"]
    assert "<https://docs.example.com/sop-012?rev=C&amp;x=1|open>" in nudge["blocks"][0]["text"]["text"]

    # Ben is neither the owner nor a QMS manager.
    sb.press(BEN, nudge, "Reviewed, no change")
    assert "Only the owner of SOP-012" in sb.slack.last_response()["text"]

    stale = copy.deepcopy(nudge)
    sb.press(ANNA, nudge, "Reviewed, no change")
    found = doc(sb)
    assert (found.last_reviewed, found.next_review) == (date(2026, 11, 27), date(2027, 11, 27))
    assert sb.message(nudge["channel"], nudge["ts"])["blocks"] == []  # the buttons are gone
    sb.press(ANNA, stale, "Reviewed, no change")
    assert "Already done" in sb.slack.last_response()["text"]
    with sb.db.session() as session:
        reviews = store.reviews_of(session, found.id)  # type: ignore[arg-type]
        trail = history(session, "document", "SOP-012")
    assert [(r.outcome, r.reviewed_by) for r in reviews] == [("no_change", ANNA.id)]
    assert [e.action for e in trail] == ["registered", "reviewed"]
    assert "reviewed *SOP-012* rev C" in sb.message(nudge["channel"], nudge["ts"])["text"]
    # Nothing more about this due date.
    before = len(sb.fake.sent_messages(ANNA.id))
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert len(sb.fake.sent_messages(ANNA.id)) == before


def test_an_overdue_review_reaches_the_managers(sb: Sandbox, clock: ManualClock) -> None:
    add(sb, last_reviewed="2025-11-01")  # due 1 Nov 2026: already 24 days overdue
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    assert "is *24 days overdue*" in nudges_to(sb, ANNA)[0]["text"]
    assert any("is 24 days overdue" in m["text"] for m in sb.fake.sent_messages(QUINN.id))


def test_revised_records_the_revision_and_starts_a_training_round(sb: Sandbox, clock: ManualClock) -> None:
    add(sb)
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    (nudge,) = nudges_to(sb, ANNA)
    sb.press(ANNA, nudge, "Revised")
    form = sb.slack.last_view()
    same = sb.slack.submit(ANNA, form, {"revision": "c", "summary": "Typo fixed"}).json()
    assert "already at rev C" in same["errors"]["revision"]
    no_audience = sb.slack.submit(
        ANNA, form, {"revision": "D", "summary": "Quarantine area moved", "training": ["start"]}
    ).json()
    assert "Choose who must read it" in no_audience["errors"]["users"]

    response = sb.slack.submit(
        ANNA,
        form,
        {
            "revision": "D",
            "summary": "Quarantine area moved to hall 2",
            "training": ["start"],
            "users": [BEN.id, QUINN.id],
            "due_date": "2026-12-09",
        },
    )
    assert not response.content
    found = doc(sb)
    assert (found.revision, found.next_review) == ("D", date(2027, 11, 25))
    with sb.db.session() as session:
        (round_,) = session.exec(select(TrainingRound)).all()
        (review,) = store.reviews_of(session, found.id)  # type: ignore[arg-type]
    assert (round_.doc_ref, round_.revision, round_.publisher) == ("SOP-012", "D", ANNA.id)
    assert (review.outcome, review.revision_before, review.revision_after, review.training_number) == (
        "revised",
        "C",
        "D",
        round_.number,
    )
    sb.ctx.sender.drain()
    assert any("Please read" in m["text"] or "SOP-012" in m["text"] for m in sb.fake.sent_messages(BEN.id))
    sb.slack.command(BEN, "/doc", "SOP-012")
    shown = sb.slack.last_response()
    assert "revised C → D" in str(shown["blocks"]) and "Reviewed, no change" not in str(shown["blocks"])


def test_the_register_owner_may_publish_the_next_revision_with_training_new(sb: Sandbox) -> None:
    add(sb)
    sb.slack.command(ANNA, "/training", "new")
    answered = sb.slack.submit(
        ANNA,
        sb.slack.last_view(),
        {
            "title": "Nonconforming product",
            "doc_ref": "SOP-012",
            "revision": "E",
            "summary": "New labels",
            "users": [BEN.id],
            "due_date": "2026-12-09",
        },
    )
    assert not answered.content
    sb.slack.command(BEN, "/training", "new")
    assert "Only QMS managers and document owners" in sb.slack.last_response()["text"]
    # The register follows the published revision, and says so on its trail.
    assert doc(sb).revision == "E"
    with sb.db.session() as session:
        assert [e.action for e in history(session, "document", "SOP-012")] == ["registered", "revision_published"]


def test_the_register_lists_overdue_first(sb: Sandbox) -> None:
    add(sb)
    add(sb, reference="WI-7", title="Torque settings", last_reviewed="2025-06-01", review_months="12")
    sb.slack.command(BEN, "/doc", "list")
    text = sb.slack.last_response()["blocks"][1]["text"]["text"]
    assert text.index("WI-7") < text.index("SOP-012") and "*overdue* 177 d" in text


def test_review_intervals_end_on_the_last_day_of_a_shorter_month() -> None:
    from bot.delivery.due import add_months

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 9), 12) == date(2027, 12, 9)
    assert add_months(date(2026, 3, 15), -12) == date(2025, 3, 15)
