"""A button pressed twice moves a record once (issue 16, point 3).

Every state-changing button carries `<id>@<version>` of the record it was drawn for; a press
on an older version changes nothing and tells the person who did what, from the trail. A
button on a message posted before buttons carried a version (a plain id) still works.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import audits as audit_store
from storage import documents as document_store
from storage import reviews as review_store
from storage.audit import history
from storage.models import Audit, ControlledDocument, Feedback, ReviewAction, TrainingAssignment
from tests.flows import (
    COMPLAINT,
    FORM,
    SOP,
    answer,
    checklist_message,
    close_quickly,
    complaint_card,
    entries,
    log,
    nc_card,
    plan,
    prefilled,
    raise_nc,
    reload,
    rounds,
    step,
    the_audits,
    the_reviews,
)


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, settings={"managers": [QUINN.id, LENA.id]}) as sandbox:
        yield sandbox


def told(sb: Sandbox) -> str:
    """What the last person who pressed something was told (privately, or in a DM)."""
    return str(sb.slack.last_response().get("text") or "")


def trail(sb: Sandbox, record_type: str, ref: str) -> list[str]:
    with sb.db.session() as session:
        return [e.action for e in history(session, record_type, ref) if e.action != "refused"]


def button_value(message: dict[str, Any], label: str) -> str:
    return Sandbox.buttons(message)[label][1]


# --- complaints ----------------------------------------------------------------------------------


def test_customer_answered_pressed_twice_moves_the_complaint_once(sb: Sandbox) -> None:
    log(sb, owner=ANNA.id, **COMPLAINT)
    (entry,) = entries(sb)
    drawn = copy.deepcopy(complaint_card(sb, entry))
    assert button_value(drawn, "Customer answered") == f"{entry.id}@1"
    sb.press(ANNA, drawn, "Customer answered")
    sb.press(ANNA, drawn, "Customer answered")  # a double click: the same value again
    assert told(sb).startswith("Already done by <@U0ANNA0001>: FB-2026-0001 was marked responded <!date^")
    assert told(sb).endswith("Nothing was changed.")
    sb.press(QUINN, drawn, "Customer answered")  # a QMS manager, from the card as it was
    assert told(sb).startswith("Already done by <@U0ANNA0001>: FB-2026-0001 was marked responded")
    (entry,) = entries(sb)
    assert (entry.response, entry.resolved_by, entry.version) == ("responded", None, 2)
    assert trail(sb, "feedback", "FB-2026-0001") == ["logged", "responded"]
    # The card was redrawn with the new version: its "Resolved" moves it on.
    assert button_value(complaint_card(sb, entry), "Resolved") == f"{entry.id}@2"
    sb.press(QUINN, complaint_card(sb, entry), "Resolved")
    assert entries(sb)[0].response == "resolved"


def test_a_plain_id_from_a_card_posted_before_versions_still_moves_the_complaint(sb: Sandbox) -> None:
    log(sb, owner=ANNA.id, **COMPLAINT)
    (entry,) = entries(sb)
    sb.slack.click(ANNA, "feedback_advance", str(entry.id), message=complaint_card(sb, entry))
    assert entries(sb)[0].response == "responded"
    # The version went up with the change made from the old card, so the drawn value is stale.
    drawn = f"{entry.id}@1"
    sb.slack.click(QUINN, "feedback_advance", drawn, message=complaint_card(sb, entry))
    assert told(sb).startswith("Already done by <@U0ANNA0001>") and entries(sb)[0].response == "responded"


def test_raise_nonconformity_on_a_card_drawn_before_a_change_opens_nothing(sb: Sandbox) -> None:
    log(sb, owner=ANNA.id, **COMPLAINT)
    (entry,) = entries(sb)
    drawn = copy.deepcopy(complaint_card(sb, entry))
    sb.press(ANNA, drawn, "Customer answered")
    views = len(sb.fake.calls_to("views.open"))
    sb.press(QUINN, drawn, "Raise nonconformity")
    assert told(sb).startswith("Already done by <@U0ANNA0001>: FB-2026-0001 was marked responded")
    assert len(sb.fake.calls_to("views.open")) == views
    sb.press(QUINN, complaint_card(sb, entry), "Raise nonconformity")  # the card as it is now
    assert len(sb.fake.calls_to("views.open")) == views + 1


# --- audits --------------------------------------------------------------------------------------


def test_a_checklist_answer_chosen_twice_is_recorded_once_and_other_lines_stay_open(sb: Sandbox) -> None:
    plan(sb)
    (audit,) = the_audits(sb)
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    drawn = copy.deepcopy(checklist_message(sb, BEN, "AU-2026-0001"))
    answer(sb, BEN, drawn, 1, "conforming")
    answer(sb, BEN, drawn, 1, "conforming")  # the same option again, from the same message
    assert told(sb).startswith("Already done by <@U0BEN00001>: line 1 of AU-2026-0001 was answered <!date^")
    answer(sb, QUINN, drawn, 1, "observation")  # a QMS manager, on the checklist as it was
    assert told(sb).startswith("Already done by <@U0BEN00001>: line 1 of AU-2026-0001")
    answer(sb, QUINN, drawn, 2, "conforming")  # another line of the same message: not refused
    with sb.db.session() as session:
        lines = audit_store.questions_of(session, audit.id)  # type: ignore[arg-type]
    assert [(q.answer, q.answered_by, q.version) for q in lines[:2]] == [
        ("conforming", BEN.id, 2),
        ("conforming", QUINN.id, 2),
    ]
    assert trail(sb, "audit", "AU-2026-0001") == ["planned", "checklist_answered", "checklist_answered"]


def test_an_observation_form_opened_on_an_older_checklist_line_saves_nothing(sb: Sandbox) -> None:
    plan(sb)
    sb.slack.command(BEN, "/audit", "checklist AU-2026-0001")
    drawn = copy.deepcopy(checklist_message(sb, BEN, "AU-2026-0001"))
    answer(sb, QUINN, drawn, 1, "observation")
    form = sb.slack.last_view()
    answer(sb, BEN, drawn, 1, "conforming")
    refused = sb.slack.submit(QUINN, form, {"note": "Tools left on the bench"}).json()
    assert refused["errors"]["note"].startswith("Already done by Ben")
    assert trail(sb, "audit", "AU-2026-0001") == ["planned", "checklist_answered"]


def test_complete_the_audit_pressed_again_after_completing_says_who_completed_it(sb: Sandbox) -> None:
    plan(sb)
    sb.slack.command(BEN, "/audit", "AU-2026-0001")
    drawn = copy.deepcopy(sb.slack.last_response())
    value = next(
        e["value"]
        for b in drawn["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == "audit_complete_open"
    )
    assert value.endswith("@1")
    sb.slack.click(BEN, "audit_complete_open", value)
    first = sb.slack.last_view()
    sb.slack.click(QUINN, "audit_complete_open", value)  # a second form from the same button
    second = sb.slack.last_view()
    assert not sb.slack.submit(BEN, first, {"summary": "Conforming", "severity": "minor"}).content
    again = sb.slack.submit(QUINN, second, {"summary": "Also conforming", "severity": "minor"}).json()
    assert again["errors"]["summary"].startswith("Already done by Ben") and "completed" in again["errors"]["summary"]
    sb.slack.click(QUINN, "audit_complete_open", value)
    assert told(sb).startswith("Already done by <@U0BEN00001>: AU-2026-0001 was completed <!date^")
    with sb.db.session() as session:
        done = session.get(Audit, the_audits(sb)[0].id)
        assert done is not None and (done.status, done.summary, done.version) == ("completed", "Conforming", 2)
    assert trail(sb, "audit", "AU-2026-0001") == ["planned", "completed"]


# --- documents -----------------------------------------------------------------------------------


def _due_nudge(sb: Sandbox, clock: ManualClock) -> dict[str, Any]:
    sb.slack.command(QUINN, "/doc", "add")
    sb.slack.submit(QUINN, sb.slack.last_view(), SOP)
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    sb.ctx.nudges.derive()
    sb.ctx.sender.drain()
    return next(m for m in sb.fake.sent_messages(ANNA.id) if "The review of" in m["text"])


def _document(sb: Sandbox) -> ControlledDocument:
    with sb.db.session() as session:
        found = document_store.by_key(session, "sop-012")
    assert found is not None
    return found


def test_a_review_button_pressed_twice_records_one_review_and_says_who(sb: Sandbox, clock: ManualClock) -> None:
    nudge = copy.deepcopy(_due_nudge(sb, clock))
    assert button_value(nudge, "Reviewed, no change") == f"{_document(sb).id}@1"
    sb.press(ANNA, nudge, "Reviewed, no change")
    sb.press(QUINN, nudge, "Reviewed, no change")
    assert told(sb).startswith("Already done by <@U0ANNA0001>: SOP-012 was reviewed with no change <!date^")
    sb.press(QUINN, nudge, "Revised")
    assert told(sb).startswith("Already done by <@U0ANNA0001>: SOP-012 was reviewed")
    with sb.db.session() as session:
        assert len(document_store.reviews_of(session, _document(sb).id or 0)) == 1
    assert trail(sb, "document", "SOP-012") == ["registered", "reviewed"]


def test_a_new_revision_published_elsewhere_makes_the_review_nudge_stale(sb: Sandbox, clock: ManualClock) -> None:
    nudge = _due_nudge(sb, clock)
    sb.slack.command(QUINN, "/training", "new")
    sb.slack.submit(QUINN, sb.slack.last_view(), {**FORM, "revision": "D", "users": [BEN.id]})
    assert _document(sb).revision == "D"  # the register followed, and its version went up
    sb.press(ANNA, nudge, "Reviewed, no change")
    assert told(sb).startswith("Already done by <@U0QUINN001>: SOP-012 was published in a new revision")
    assert trail(sb, "document", "SOP-012") == ["registered", "revision_published"]


def test_a_review_nudge_posted_before_versions_carries_its_due_date_and_still_works(
    sb: Sandbox, clock: ManualClock
) -> None:
    _due_nudge(sb, clock)
    old = f"{_document(sb).id}@2026-12-09"  # the value review nudges carried before
    sb.slack.click(ANNA, "doc_reviewed_no_change", old)
    assert _document(sb).next_review.isoformat() == "2027-11-25"
    sb.slack.click(ANNA, "doc_reviewed_no_change", old)
    assert told(sb).startswith("Already done by <@U0ANNA0001>")
    assert trail(sb, "document", "SOP-012") == ["registered", "reviewed"]


# --- management reviews --------------------------------------------------------------------------


def _scheduled(sb: Sandbox) -> dict[str, Any]:
    sb.slack.command(QUINN, "/review", "schedule")
    sb.slack.submit(
        QUINN, sb.slack.last_view(), {"planned_date": "2026-12-10", "attendees": [ANNA.id], "recurrence": "none"}
    )
    sb.slack.command(QUINN, "/review", "MR-2026-0001")
    return copy.deepcopy(sb.slack.last_response())


MINUTES = {"held_on": "2026-11-25", "minutes": "Held", "action_1": "Hire", "owner_1": LENA.id, "due_1": "2027-01-15"}


def test_record_the_meeting_pressed_again_says_who_recorded_it(sb: Sandbox) -> None:
    shown = _scheduled(sb)
    value = button_value(shown, "Record the meeting")
    assert value.endswith("@1")
    sb.slack.click(QUINN, "review_record_open", value)
    first = sb.slack.last_view()
    sb.slack.click(LENA, "review_record_open", value)
    second = sb.slack.last_view()
    assert not sb.slack.submit(QUINN, first, MINUTES).content
    again = sb.slack.submit(LENA, second, MINUTES).json()
    assert again["errors"]["minutes"].startswith("Already done by Quinn")
    sb.slack.click(LENA, "review_record_open", value)
    assert told(sb).startswith("Already done by <@U0QUINN001>: MR-2026-0001 was recorded as held <!date^")
    (review,) = the_reviews(sb)
    assert (review.status, review.version) == ("held", 2)
    assert trail(sb, "management_review", "MR-2026-0001") == ["scheduled", "held"]


def test_an_output_action_is_marked_done_once_and_its_buttons_carry_its_version(sb: Sandbox) -> None:
    _scheduled(sb)
    sb.slack.command(QUINN, "/review", "record MR-2026-0001")
    sb.slack.submit(QUINN, sb.slack.last_view(), MINUTES)
    sb.ctx.sender.drain()
    assigned = next(m for m in sb.fake.sent_messages(LENA.id) if "gave you an action" in m["text"])
    with sb.db.session() as session:
        (action,) = review_store.actions_of(session, the_reviews(sb)[0].id or 0)
    assert button_value(assigned, "Mark done") == f"{action.id}@1"
    sb.press(LENA, assigned, "Mark done")
    first = sb.slack.last_view()
    sb.press(QUINN, assigned, "Mark done")
    second = sb.slack.last_view()
    assert not sb.slack.submit(LENA, first, {"evidence": "Offer signed"}).content
    again = sb.slack.submit(QUINN, second, {"evidence": "Also signed"}).json()
    assert again["errors"]["evidence"].startswith("Already done by Lena")
    sb.press(QUINN, assigned, "Mark done")
    assert told(sb).startswith("Already done by <@U0LENA0001>: MR-2026-0001/A1")
    with sb.db.session() as session:
        done = session.get(ReviewAction, action.id)
        assert done is not None and (done.status, done.evidence, done.version) == ("done", "Offer signed", 2)
    assert trail(sb, "management_review", "MR-2026-0001") == ["scheduled", "held", "action_done"]


# --- trainings -----------------------------------------------------------------------------------


def _assignment(sb: Sandbox, person: Person) -> TrainingAssignment:
    with sb.db.session() as session:
        return session.exec(select(TrainingAssignment).where(TrainingAssignment.person == person.id)).one()


def test_acknowledging_twice_records_once_and_the_card_carries_the_version(sb: Sandbox) -> None:
    sb.slack.command(QUINN, "/training", "new")
    sb.slack.submit(QUINN, sb.slack.last_view(), {**FORM, "users": [ANNA.id]})
    sb.ctx.sender.drain()
    card = copy.deepcopy(next(m for m in sb.fake.sent_messages(ANNA.id) if "training_ack" in str(m["blocks"])))
    assignment = _assignment(sb, ANNA)
    assert button_value(card, "I've read and understood") == f"{assignment.id}@1"
    sb.press(ANNA, card, "I've read and understood")
    sb.press(ANNA, card, "I've read and understood")
    assert told(sb).startswith("You already acknowledged SOP-012 rev C")
    assert (_assignment(sb, ANNA).status, _assignment(sb, ANNA).version) == ("acknowledged", 2)
    assert trail(sb, "training", rounds(sb)[0].number) == ["published", "acknowledged"]


# --- the NC card's recurrence buttons ------------------------------------------------------------


def test_a_recurrence_button_on_a_card_drawn_before_a_change_changes_nothing(sb: Sandbox) -> None:
    earlier = raise_nc(sb, owner=ANNA.id)
    close_quickly(sb, earlier)
    again = raise_nc(sb, owner=ANNA.id, title="Customer label missing on batch 4790")
    assert again.possible_recurrence_of == earlier.id
    drawn = copy.deepcopy(nc_card(sb, again))
    assert button_value(drawn, "Link as recurrence") == f"{again.id}@{again.version}"
    step(sb, ANNA, again, "Record containment", {"containment": "Quarantined"})
    sb.press(QUINN, drawn, "Link as recurrence")
    assert told(sb).startswith(f"Already done by <@U0ANNA0001>: {again.number} was contained <!date^")
    assert reload(sb, again).possible_recurrence_of == earlier.id  # still to decide, on the card as it is
    fresh = copy.deepcopy(nc_card(sb, again))
    sb.press(QUINN, fresh, "Link as recurrence")
    sb.press(LENA, fresh, "Not a recurrence")  # the other manager, a moment later
    assert told(sb).startswith("Already done by <@U0QUINN001>")
    assert reload(sb, again).recurrence_of == earlier.id
    assert trail(sb, "nonconformity", again.number).count("recurrence_linked") == 1
    assert "recurrence_dismissed" not in trail(sb, "nonconformity", again.number)


def test_a_recurrence_button_with_a_plain_id_still_settles_it(sb: Sandbox) -> None:
    earlier = raise_nc(sb, owner=ANNA.id)
    close_quickly(sb, earlier)
    again = raise_nc(sb, owner=ANNA.id, title="Customer label missing on batch 4790")
    sb.slack.click(QUINN, "nc_dismiss_recurrence", str(again.id), message=nc_card(sb, again), block_id="nc_recurrence")
    settled = reload(sb, again)
    assert (settled.possible_recurrence_of, settled.recurrence_of) == (None, None)
    assert settled.version > again.version


def test_linking_a_complaint_to_its_nc_bumps_its_version(sb: Sandbox) -> None:
    """Every change to a versioned record bumps its version, a button's or not (linking an NC too)."""
    log(sb, owner=ANNA.id, **COMPLAINT)
    (entry,) = entries(sb)
    sb.press(QUINN, complaint_card(sb, entry), "Raise nonconformity")
    view = sb.slack.last_view()
    values = prefilled(view)
    sb.slack.submit(QUINN, view, {**values, "severity": "minor", "process": "Warehouse and logistics"})
    with sb.db.session() as session:
        linked = session.get(Feedback, entry.id)
    assert linked is not None and linked.nc_id is not None and linked.version == 2
