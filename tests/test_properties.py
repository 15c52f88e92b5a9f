"""Property tests: every modal and every button, fed random, missing, oversized, unicode and
hostile values (mrkdwn injection, mentions, wrong types), through the real app over HTTP.

For every input: no crash (no listener error logged, HTTP 200), no mention or link from the
input reaches Slack unescaped, no half-written record, and the person gets an answer.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.registry import Action, Callback, Command, Event, ShortcutId, Suggestion, item_action_id
from bot.standin.sandbox import ANNA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from tests.flows import (
    action_planned,
    answer,
    checklist_message,
    complaint,
    contained,
    evaluation_button,
    nc_card,
    output_held,
    planned_audit,
    published,
    raise_nc,
    record_counts,
    registered_document,
    registered_gauge,
    registered_supplier,
    reminder,
    review_action,
    rework_authorised,
    rework_requested,
    risk_action_planned,
    risk_card,
    risk_treated,
    root_caused,
    scheduled_review,
    work_to_actions_done,
)
from tests.flows import raise_risk as raise_a_risk

HOSTILE = [
    "<!channel>",
    "<!here> now",
    "<!everyone>",
    "<@U0EVIL0001> look",
    "<https://evil.example|click me>",
    "&lt;!channel&gt;",
    "*bold* _it_ ~s~ `code` ```block```",
    "a" * 5000,
    "\u202eRTL override",
    "emoji 🧯🔥 ü ß 中文",
    "nul\x00byte",
    "   ",
    "",
    "<#C0EVIL0001>",
    "<!subteam^S0EVIL0001>",
    "\n\n\n",
    "NC-2026-0001",
    "2026-13-45",
    "-1",
    "1e308",
    "NaN",
]
PINGS = ("<!channel", "<!here", "<!everyone", "<@U0EVIL", "<https://evil", "<#C0EVIL", "<!subteam^S0EVIL")
text = st.sampled_from(HOSTILE) | st.text(max_size=200)
anything = (
    text
    | st.none()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.lists(text, max_size=3)
    | st.dictionaries(st.sampled_from(["value", "x"]), text, max_size=2)
)
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


class ListenerErrors(logging.Handler):
    """Errors any listener logged (Bolt logs 'listener failed' from its worker threads)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(clock=ManualClock()) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def errors() -> Iterator[ListenerErrors]:
    handler = ListenerErrors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def state_of(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """An element's submitted state holding `value` where Slack puts the answer (any type)."""
    kind = element["type"]
    key = {
        "static_select": "selected_option",
        "external_select": "selected_option",
        "radio_buttons": "selected_option",
        "users_select": "selected_user",
        "multi_users_select": "selected_users",
        "multi_conversations_select": "selected_conversations",
        "datepicker": "selected_date",
        "checkboxes": "selected_options",
        "multi_static_select": "selected_options",
    }.get(kind, "value")
    if key == "selected_option" and isinstance(value, str):
        value = {"text": {"type": "plain_text", "text": value[:75]}, "value": value}
    if key == "selected_options" and isinstance(value, list):
        value = [{"value": v} for v in value]
    return {"type": kind, key: value}


SUBMISSIONS = itertools.count(1)


def submit(sb: Sandbox, person: Person, view: dict[str, Any], answers: dict[str, Any]) -> Any:
    values = {}
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block["block_id"] in answers:
            element = block["element"]
            values[block["block_id"]] = {element["action_id"]: state_of(element, answers[block["block_id"]])}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0QMSDEMO1", "domain": "qms-demo"},
        "user": {"id": person.id, "name": person.name, "team_id": "T0QMSDEMO1"},
        "api_app_id": "A0QMSDEMO1",
        "trigger_id": sb.slack.trigger_id(),
        # Each example is a new submission (its own view id): the same view sent again is
        # answered as the first and changes nothing (tests/test_submissions.py).
        "view": {**view, "id": f"V{next(SUBMISSIONS):09d}", "state": {"values": values}},
        "response_urls": [],
    }
    return sb.slack.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def said_since(sb: Sandbox, calls: int, responses: int) -> str:
    """Every text Slack would render as mrkdwn, from the bot's calls since then."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for args in [c.args for c in sb.fake.calls[calls:]] + [r.args for r in sb.fake.responses[responses:]]:
        found.append(str(args.get("text", "")))
        walk(args.get("blocks"))
        walk(args.get("view"))
    return "\n".join(found)


def check_answer(sb: Sandbox, errors: ListenerErrors, response: Any, calls: int, responses: int) -> str:
    assert response.status_code == 200, response.text
    assert not errors.records, [r.getMessage() for r in errors.records]
    said = said_since(sb, calls, responses)
    for ping in PINGS:
        assert ping not in said and ping not in response.text, ping
    return said


# --- modals -----------------------------------------------------------------------------------


def open_nc_raise(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    sb.slack.command(ANNA, "/nc")
    return ANNA, sb.slack.last_view()


def open_command(person: Person, command: str, words: str) -> Any:
    def opener(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
        sb.slack.command(person, command, words)
        return person, sb.slack.last_view()

    return opener


def open_nc_step(label: str, stage: Any = lambda sb, nc: None, person: Person = ANNA) -> Any:
    def opener(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
        nc = raise_nc(sb, owner=ANNA.id)
        stage(sb, nc)
        sb.press(person, nc_card(sb, nc), label)
        return person, sb.slack.last_view()

    return opener


def open_risk_step(label: str, stage: Any = lambda sb, risk: None) -> Any:
    def opener(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
        risk = raise_a_risk(sb, owner=ANNA.id)
        stage(sb, risk)
        sb.press(ANNA, risk_card(sb, risk), label)
        return ANNA, sb.slack.last_view()

    return opener


def open_rejection(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    sb.press(QUINN, rework_requested(sb, raise_nc(sb, owner=ANNA.id)), "Reject")
    return QUINN, sb.slack.last_view()


def open_observation(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    audit_id = planned_audit(sb)
    number = f"AU-2026-{audit_id:04d}"
    sb.slack.command(ANNA, "/audit", f"checklist {number}")
    answer(sb, ANNA, checklist_message(sb, ANNA, number), 1, "observation")
    return ANNA, sb.slack.last_view()


def open_snooze(sb: Sandbox) -> tuple[Person, dict[str, Any]]:

    message = reminder(sb)
    value = next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == Action.SNOOZE
    )
    sb.slack.click(ANNA, Action.SNOOZE, value, message=message)
    return ANNA, sb.slack.last_view()


def open_question(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    from tests.flows import card_for

    number = published(sb)
    sb.press(ANNA, card_for(sb, ANNA, number), "Ask a question")
    return ANNA, sb.slack.last_view()


def open_button(action_id: str, arrange: Any) -> Any:
    def opener(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
        sb.slack.click(QUINN, action_id, str(arrange(sb)))
        return QUINN, sb.slack.last_view()

    return opener


def open_evidence_from_message(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    raise_nc(sb, owner=ANNA.id)
    sb.fake.add_channel("C0PROPFILE", "photos", [ANNA.id, "U0QMSBOT01"])
    message = sb.fake.post_files_as(ANNA.id, "C0PROPFILE", "", [("pallet.jpg", b"\xff\xd8 pallet", "image/jpeg")])
    sb.slack.message_shortcut(ANNA, ShortcutId.ATTACH_EVIDENCE_FROM_MESSAGE, message, "C0PROPFILE")
    return ANNA, sb.slack.last_view()


def open_review_record(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    sb.slack.command(QUINN, "/review", f"record {scheduled_review(sb)}")
    return QUINN, sb.slack.last_view()


def open_require(sb: Sandbox) -> tuple[Person, dict[str, Any]]:
    published(sb)  # a training to require
    sb.slack.command(QUINN, "/training", "require")
    return QUINN, sb.slack.last_view()


MODALS = {
    "nc_raise": open_nc_raise,
    "nc_contain_submit": open_nc_step("Record containment"),
    "nc_root_cause_submit": open_nc_step("Record root cause", contained),
    "nc_action_submit": open_nc_step("Add action", root_caused),
    "nc_action_done_submit": open_nc_step("Mark A1 done", action_planned),
    "nc_verify_submit": open_nc_step("Verify effectiveness", lambda sb, nc: work_to_actions_done(sb, nc, ANNA), QUINN),
    "nc_cancel_submit": open_nc_step("Cancel NC", person=QUINN),
    "nc_output_submit": open_nc_step("Affected output"),
    "nc_disposition_submit": open_nc_step("Record disposition", output_held),
    "disposition_reverify_submit": open_nc_step("Re-verify D1", rework_authorised),
    "disposition_reject_submit": open_rejection,
    "evidence_from_message_submit": open_evidence_from_message,
    "audit_observation": open_observation,
    "feedback_log": open_command(ANNA, "/feedback", ""),
    "objective_new": open_command(QUINN, "/kpi", "new"),
    "training_publish": open_command(QUINN, "/training", "new"),
    "training_question_submit": open_question,
    "nudge_snooze_submit": open_snooze,
    "audit_plan": open_command(QUINN, "/audit", "plan"),
    "audit_complete": open_button("audit_complete_open", planned_audit),
    "doc_add": open_command(QUINN, "/doc", "add"),
    "doc_revise": open_button("doc_revised", registered_document),
    "equipment_add": open_command(QUINN, "/equipment", "add"),
    "competence_require": open_require,
    "equipment_calibrate_submit": open_button("equipment_calibrate", registered_gauge),
    "review_schedule": open_command(QUINN, "/review", "schedule"),
    "review_record": open_review_record,
    "review_action_done": open_button("review_action_done_open", review_action),
    "risk_raise": open_command(ANNA, "/risk", ""),
    "risk_treat_submit": open_risk_step("Treat"),
    "risk_review_submit": open_risk_step("Review"),
    "risk_action_submit": open_risk_step("Add action", risk_treated),
    "risk_action_done_submit": open_risk_step("Mark A1 done", risk_action_planned),
    "supplier_add": open_command(QUINN, "/supplier", "add"),
    "supplier_evaluate_submit": open_button("supplier_evaluate", evaluation_button),
    "supplier_status_submit": open_button("supplier_status", evaluation_button),
}


def test_every_registered_form_is_tried() -> None:
    assert set(MODALS) == set(Callback)


@pytest.mark.parametrize("callback", list(Callback))
def test_any_answers_to_any_form_get_an_answer_and_ping_nobody(
    sb: Sandbox, errors: ListenerErrors, callback: str
) -> None:
    person, view = MODALS[callback](sb)
    assert view["callback_id"] == callback
    blocks = [b["block_id"] for b in view["blocks"] if b.get("type") == "input"]

    @SETTINGS
    @given(answers=st.fixed_dictionaries({}, optional={block: anything for block in blocks}))
    def submitting(answers: dict[str, Any]) -> None:
        errors.records.clear()
        before = record_counts(sb)
        calls, responses = len(sb.fake.calls), len(sb.fake.responses)
        response = submit(sb, person, view, answers)
        check_answer(sb, errors, response, calls, responses)
        if response.content:
            body = response.json()
            assert body["response_action"] == "errors" and body["errors"], body
            assert set(body["errors"]) <= set(blocks) and all(isinstance(m, str) and m for m in body["errors"].values())
            assert record_counts(sb) == before  # refused: nothing written
        else:
            assert len(sb.fake.calls) > calls  # accepted: a confirmation, a card or an update went out

    submitting()


# --- buttons ----------------------------------------------------------------------------------


def test_every_listener_is_registered_and_every_registered_id_listened_to() -> None:
    from handlers import listeners

    registered: dict[tuple[str, ...], set[str]] = {
        ("action",): set(Action),
        ("view",): set(Callback),
        ("shortcut", "message_shortcut"): set(ShortcutId),
        ("command",): set(Command),
        ("event",): set(Event),
        ("options",): set(Suggestion),
    }
    for kinds, ids in registered.items():
        table = [listener for listener in listeners() if listener.kind in kinds]
        # Each listener hears some registered id (a pattern: at least one), each id is heard.
        assert all(any(listener.hears(i) for i in ids) for listener in table), kinds
        assert {i for i in ids if any(listener.hears(i) for listener in table)} == ids


# Every registered id, and the per-item form a card carries ("Mark A1 done": nc_action_done:<id>).
@pytest.mark.parametrize(
    "action_id",
    [
        *Action,
        item_action_id(Action.NC_ACTION_DONE, 1),
        item_action_id(Action.RISK_ACTION_DONE, 1),
        item_action_id(Action.RISK_FROM_FINDING, 1),
    ],
)
def test_any_button_value_gets_an_answer_and_pings_nobody(sb: Sandbox, errors: ListenerErrors, action_id: str) -> None:
    complaint(sb)  # something real for a valid-looking id to find

    @SETTINGS
    @given(
        value=text
        | st.integers().map(str)
        | st.sampled_from(["1", "1:1", "1@1", "1:1@999", "999999999999999999999", "0", "-5"])
    )
    def clicking(value: str) -> None:
        errors.records.clear()
        before = record_counts(sb)
        calls, responses = len(sb.fake.calls), len(sb.fake.responses)
        response = sb.slack.click(QUINN, action_id, value)
        said = check_answer(sb, errors, response, calls, responses)
        assert said or any(c.method == "views.open" for c in sb.fake.calls[calls:]), "no answer"
        after = record_counts(sb)
        assert after["nonconformity"] == before["nonconformity"] and after["feedback"] == before["feedback"]

    clicking()


@SETTINGS
@given(typed=text)
def test_anything_typed_in_the_supplier_picker_gets_options_within_slacks_limits(
    sb: Sandbox, errors: ListenerErrors, typed: str
) -> None:
    errors.records.clear()
    sb.slack.command(ANNA, "/nc")
    options = sb.slack.suggest(ANNA, sb.slack.last_view(), "supplier_pick", typed)
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert all(o["value"].startswith("supplier:") for o in options)


def test_a_supplier_named_with_hostile_text_is_offered_as_plain_text(sb: Sandbox) -> None:
    registered_supplier(sb, name="<!channel> " + "Ü" * 100)
    sb.slack.command(ANNA, "/nc")
    options = sb.slack.suggest(ANNA, sb.slack.last_view(), "supplier_pick", "<!chan")
    assert options and all(len(o["text"]["text"]) <= 75 for o in options)
