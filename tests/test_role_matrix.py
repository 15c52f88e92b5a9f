"""Who may do what: every server-side-checked action against every role, as one table.

Each row names an action, the roles allowed to take it (README's "who" column), how to set
up a fresh record for it and how to attempt it. Every role tries it on its own fresh record
through the real app over HTTP, so a refusal is the server's, not a hidden button.

The roles: `employee` (Ben, no relation to the record), `owner` (Anna, the person the record
belongs to: the NC and its action owner, the complaint's owner, the training's or the
reminder's recipient), `qms_manager` (Quinn) and `leader` (Lena).

To add a row (audits, document reviews, management reviews...): write `arrange` (make the
record, return what `attempt` needs) and `attempt` (do it as `person`; return `allowed(...)`
or `refused(...)` from what the bot answered), then list it in MATRIX.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.registry import Action, Callback
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import outputs as outputs_store
from storage import suppliers as supplier_store
from tests.flows import (
    action_planned,
    audit_with_improvement,
    card_for,
    complaint,
    complaint_card,
    contained,
    evaluation_button,
    nc_card,
    output_held,
    planned_audit,
    published,
    raise_nc,
    registered_document,
    registered_gauge,
    reload,
    reminder,
    review_action,
    rework_authorised,
    risk_action_planned,
    risk_card,
    risk_treated,
    root_caused,
    scheduled_review,
    verified,
    work_to_actions_done,
)
from tests.flows import raise_risk as raise_a_risk

EMPLOYEE, OWNER, MANAGER, LEADER = "employee", "owner", "qms_manager", "leader"
ROLES = {EMPLOYEE: BEN, OWNER: ANNA, MANAGER: QUINN, LEADER: LENA}
EVERYONE = frozenset(ROLES)


# --- reading the bot's answer ---------------------------------------------------------------


def _answer(sb: Sandbox, response: Any, calls_before: int, responses_before: int) -> str:
    """What the person was told or shown: the HTTP reply, a response_url post, a modal, a DM or the card changed."""
    parts = []
    if response.content:
        parts.append(response.text)
    parts += [json.dumps(r.args) for r in sb.fake.responses[responses_before:]]
    parts += [
        json.dumps(c.args)
        for c in sb.fake.calls[calls_before:]
        if c.method in ("views.open", "chat.postMessage", "chat.postEphemeral", "chat.update")
    ]
    return "\n".join(parts)


def attempt_with(sb: Sandbox, fire: Callable[[], Any]) -> str:
    calls, responses = len(sb.fake.calls), len(sb.fake.responses)
    response = fire()
    assert response.status_code == 200, response.text
    said = _answer(sb, response, calls, responses)
    assert said, "the bot gave no answer"
    return said


def is_refusal(said: str) -> bool:
    return "Only " in said or "must verify their effectiveness" in said


# --- the rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    action: str
    allowed: frozenset[str]
    arrange: Callable[[Sandbox], Any]
    attempt: Callable[[Sandbox, Person, Any], bool]  # True when the bot let the person do it


def nc_button(
    label: str, stage: Callable[[Sandbox, Any], None] = lambda sb, nc: None
) -> tuple[Callable[..., Any], Callable[..., bool]]:
    """An NC card button: allowed when its form opens (or the NC moves), refused with 'Only …'."""

    def arrange(sb: Sandbox) -> Any:
        nc = raise_nc(sb, owner=ANNA.id)
        stage(sb, nc)
        return nc

    def attempt(sb: Sandbox, person: Person, nc: Any) -> bool:
        said = attempt_with(sb, lambda: sb.press(person, nc_card(sb, nc), label))
        if label == "Close NC":
            return reload(sb, nc).status == "closed" if not is_refusal(said) else False
        return not is_refusal(said) and '"type": "modal"' in said

    return arrange, attempt


def command(name: str, text: str, shows: str) -> Callable[[Sandbox, Person, Any], bool]:
    """A slash command: allowed when the answer is what it does (`shows`), refused with 'Only …'."""

    def attempt(sb: Sandbox, person: Person, _: Any) -> bool:
        said = attempt_with(sb, lambda: sb.slack.command(person, name, text))
        if is_refusal(said):
            return False
        assert shows in said, f"{name} {text} was allowed but did not do its work: {said[:300]}"
        return True

    return attempt


def form_opens(callback: str) -> str:
    """What an allowed command that opens a form shows: that form, by its callback_id."""
    return f'"callback_id": "{callback}"'


def manual_objective(sb: Sandbox) -> None:
    sb.slack.command(QUINN, "/kpi", "new")
    sb.slack.submit(
        QUINN,
        sb.slack.last_view(),
        {
            "name": "Scrap rate",
            "measure": "manual",
            "direction": "at_most",
            "target": "2",
            "unit": "%",
            "period": "month",
        },
    )


def training_button(label: str, shows: str) -> Callable[[Sandbox, Person, Any], bool]:
    def attempt(sb: Sandbox, person: Person, number: str) -> bool:
        message = card_for(sb, ANNA, number)
        said = attempt_with(sb, lambda: sb.press(person, message, label))
        if is_refusal(said):
            return False
        assert shows in said, f"{label} was allowed but did not do its work: {said[:300]}"
        return True

    return attempt


def complaint_button(label: str, shows: str) -> Callable[[Sandbox, Person, Any], bool]:
    def attempt(sb: Sandbox, person: Person, entry: Any) -> bool:
        said = attempt_with(sb, lambda: sb.press(person, complaint_card(sb, entry), label))
        if is_refusal(said):
            return False
        assert shows in said, f"{label} was allowed but did not do its work: {said[:300]}"
        return True

    return attempt


def snooze(sb: Sandbox, person: Person, message: dict[str, Any]) -> bool:
    value = next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == Action.SNOOZE
    )
    said = attempt_with(sb, lambda: sb.slack.click(person, Action.SNOOZE, value, message=message))
    return not is_refusal(said) and '"type": "modal"' in said


def possible_recurrence(sb: Sandbox) -> Any:
    from tests.flows import close_quickly

    earlier = raise_nc(sb, owner=ANNA.id, title="Torque not recorded at station 3")
    close_quickly(sb, earlier)
    again = raise_nc(sb, owner=ANNA.id, title="Torque not recorded at station 3")
    assert again.possible_recurrence_of is not None
    return again


def recurrence_button(label: str) -> Callable[[Sandbox, Person, Any], bool]:
    def attempt(sb: Sandbox, person: Person, nc: Any) -> bool:
        said = attempt_with(sb, lambda: sb.press(person, nc_card(sb, nc), label))
        return not is_refusal(said) and reload(sb, nc).possible_recurrence_of is None

    return attempt


def click(action_id: str, value_of: Callable[[Any], str], shows: str) -> Callable[[Sandbox, Person, Any], bool]:
    """A button the bot sent: allowed when the server does its work (`shows`: its form, its answer), refused with 'Only …'."""

    def attempt(sb: Sandbox, person: Person, subject: Any) -> bool:
        said = attempt_with(sb, lambda: sb.slack.click(person, action_id, value_of(subject)))
        if is_refusal(said):
            return False
        assert shows in said, f"{action_id} was allowed but did not do its work: {said[:300]}"
        return True

    return attempt


EVIDENCE_CHANNEL = "C0EVIDENC1"


def nc_for_evidence(sb: Sandbox) -> Any:
    sb.fake.add_channel(EVIDENCE_CHANNEL, "evidence", [p.id for p in ROLES.values()] + ["U0QMSBOT01"])
    return raise_nc(sb, owner=ANNA.id)


def attach_files(sb: Sandbox, person: Person, nc: Any) -> bool:
    """Allowed when a photo the person posted is kept on the NC; the form names the NC whether
    or not the shortcut offered it (a forged choice is checked on the server)."""
    from bot import evidence

    photo = [("photo.jpg", f"{person.id} {nc.number}".encode(), "image/jpeg")]
    file_id = sb.fake.post_files_as(person.id, EVIDENCE_CHANNEL, "", photo)["files"][0]["id"]
    choices = evidence.Choices([(nc.number, nc.number)], [("Containment", "containment")], "NCs")
    form = evidence.attach_modal([evidence.Seen(file_id, "photo.jpg", 1)], choices)
    said = attempt_with(sb, lambda: sb.slack.submit(person, form, {"record": nc.number, "step": "containment"}))
    return not is_refusal(said) and "photo.jpg" in str(nc_card(sb, nc)["blocks"])


def disposition_recorded(sb: Sandbox) -> Any:
    """Anna (the NC owner) decides to scrap 40 of the 240 housings held: it awaits authorisation."""
    nc = raise_nc(sb, owner=ANNA.id)
    output_held(sb, nc)
    sb.press(ANNA, nc_card(sb, nc), "Record disposition")
    sb.slack.submit(ANNA, sb.slack.last_view(), {"kind": "scrap", "quantity": "40", "reason": "Cracked"})
    with sb.db.read() as session:
        return outputs_store.decisions_of(session, nc.id or 0)[0]


def authorise(sb: Sandbox, person: Person, decision: Any) -> bool:
    """Allowed when the decision is authorised; the approvers default to the QMS managers."""
    attempt_with(sb, lambda: sb.slack.click(person, Action.OUT_APPROVE, f"{decision.id}@{decision.version}"))
    with sb.db.read() as session:
        found = outputs_store.get_decision(session, decision.id)
        return found is not None and found.status == "approved"


def risk_button(
    label: str, stage: Callable[[Sandbox, Any], None] = lambda sb, risk: None
) -> tuple[Callable[..., Any], Callable[..., bool]]:
    """A risk card button: allowed when its form opens, refused with 'Only …' (the owner is Anna)."""

    def arrange(sb: Sandbox) -> Any:
        risk = raise_a_risk(sb, owner=ANNA.id)
        stage(sb, risk)
        return risk

    def attempt(sb: Sandbox, person: Person, risk: Any) -> bool:
        said = attempt_with(sb, lambda: sb.press(person, risk_card(sb, risk), label))
        return not is_refusal(said) and '"type": "modal"' in said

    return arrange, attempt


def ofi_as_risk(sb: Sandbox, person: Person, number: str) -> bool:
    sb.slack.command(person, "/audit", number)
    said = attempt_with(sb, lambda: sb.press(person, sb.slack.last_response(), "Raise as risk/opportunity: 1"))
    return not is_refusal(said) and form_opens(Callback.RISK_RAISE) in said


def block_in_evaluation(sb: Sandbox, person: Person, value: str) -> bool:
    """An evaluation whose decision changes the status: allowed when the supplier is blocked."""
    said = attempt_with(sb, lambda: sb.slack.click(person, Action.SUPPLIER_EVALUATE, value))
    if is_refusal(said):
        return False
    answers = {"score": "1", "decision": "blocked", "reason": "Cracked housings again"}
    said = attempt_with(sb, lambda: sb.slack.submit(person, sb.slack.last_view(), answers))
    with sb.db.read() as session:
        found = supplier_store.get(session, int(value.partition("@")[0]))
    return found is not None and found.status == "blocked"


MATRIX = [
    Row("/risk: raise a risk", EVERYONE, lambda sb: None, command("/risk", "", form_opens(Callback.RISK_RAISE))),
    Row("risk: treat", frozenset({OWNER, MANAGER}), *risk_button("Treat")),
    Row("risk: review", frozenset({OWNER, MANAGER}), *risk_button("Review")),
    Row("risk: add a treatment action", frozenset({OWNER, MANAGER}), *risk_button("Add action", risk_treated)),
    # The action's owner is the risk's owner here (Anna).
    Row("risk: mark an action done", frozenset({OWNER, MANAGER}), *risk_button("Mark A1 done", risk_action_planned)),
    Row(
        "/risk close",
        frozenset({OWNER, MANAGER}),
        lambda sb: raise_a_risk(sb, owner=ANNA.id).number,
        lambda sb, p, n: command("/risk", f"close {n} supplier found", f"{n} is closed")(sb, p, n),
    ),
    Row("audit: raise an opportunity for improvement as a risk", EVERYONE, audit_with_improvement, ofi_as_risk),
    Row(
        "/supplier add",
        frozenset({MANAGER}),
        lambda sb: None,
        command("/supplier", "add", form_opens(Callback.SUPPLIER_ADD)),
    ),
    # The owner here is the supplier's owner, who evaluates it.
    Row(
        "supplier: evaluate",
        frozenset({OWNER, MANAGER}),
        evaluation_button,
        click(Action.SUPPLIER_EVALUATE, str, form_opens(Callback.SUPPLIER_EVALUATE)),
    ),
    Row("supplier: change the status in an evaluation", frozenset({MANAGER}), evaluation_button, block_in_evaluation),
    Row(
        "supplier: change status",
        frozenset({MANAGER}),
        evaluation_button,
        click(Action.SUPPLIER_STATUS, str, form_opens(Callback.SUPPLIER_STATUS)),
    ),
    Row("output: record the affected output", frozenset({OWNER, MANAGER}), *nc_button("Affected output")),
    Row("output: record a disposition", frozenset({OWNER, MANAGER}), *nc_button("Record disposition", output_held)),
    Row(
        "output: re-verify reworked output", frozenset({OWNER, MANAGER}), *nc_button("Re-verify D1", rework_authorised)
    ),
    # The owner recorded it, so may not authorise it even if an approver.
    Row("disposition: authorise", frozenset({MANAGER}), disposition_recorded, authorise),
    Row("NC: record containment", frozenset({OWNER, MANAGER}), *nc_button("Record containment")),
    Row("NC: record root cause", frozenset({OWNER, MANAGER}), *nc_button("Record root cause", contained)),
    Row("NC: add an action", frozenset({OWNER, MANAGER}), *nc_button("Add action", root_caused)),
    Row("NC: mark an action done", frozenset({OWNER, MANAGER}), *nc_button("Mark A1 done", action_planned)),
    Row(
        "NC: verify effectiveness (independent)",
        frozenset({MANAGER}),
        *nc_button("Verify effectiveness", lambda sb, nc: work_to_actions_done(sb, nc, ANNA)),
    ),
    Row("NC: close", frozenset({MANAGER}), *nc_button("Close NC", verified)),
    # The owner is also who raised it here; an action owner may too (tests/test_evidence_message.py).
    Row("evidence: attach a message's files to an NC", frozenset({OWNER, MANAGER}), nc_for_evidence, attach_files),
    Row("NC: cancel", frozenset({MANAGER}), *nc_button("Cancel NC")),
    Row(
        "NC: link a possible recurrence",
        frozenset({MANAGER}),
        possible_recurrence,
        recurrence_button("Link as recurrence"),
    ),
    Row(
        "NC: dismiss a possible recurrence",
        frozenset({MANAGER}),
        possible_recurrence,
        recurrence_button("Not a recurrence"),
    ),
    Row("/qms outbox", frozenset({MANAGER}), lambda sb: None, command("/qms", "outbox", "Nudge delivery:")),
    Row("/qms digest", frozenset({MANAGER, LEADER}), lambda sb: None, command("/qms", "digest", "Quality digest for")),
    Row("/kpi new", frozenset({MANAGER}), lambda sb: None, command("/kpi", "new", form_opens(Callback.OBJECTIVE_NEW))),
    Row(
        "/kpi log",
        frozenset({MANAGER, LEADER}),
        manual_objective,
        command("/kpi", "log OBJ-1 1.5", "Logged 1.5% for OBJ-1"),
    ),
    # The owner here is a recipient: only QMS managers (and earlier publishers) publish.
    Row(
        "/training new",
        frozenset({MANAGER}),
        lambda sb: None,
        command("/training", "new", form_opens(Callback.TRAINING_PUBLISH)),
    ),
    Row(
        "/training status",
        frozenset({MANAGER, LEADER}),
        published,
        lambda sb, p, n: command("/training", f"status {n}", f"{n}: 0% acknowledged")(sb, p, n),
    ),
    Row(
        "/training close",
        frozenset({MANAGER}),
        published,
        lambda sb, p, n: command("/training", f"close {n}", f"{n} is closed")(sb, p, n),
    ),
    # Its own round to show: the rows run on several workers (xdist), not always after a publishing row.
    Row("/training matrix", frozenset({MANAGER}), published, command("/training", "matrix", "Training matrix")),
    Row(
        "training: I've read and understood",
        frozenset({OWNER}),
        published,
        training_button("I've read and understood", "acknowledged"),
    ),
    Row(
        "training: ask a question",
        frozenset({OWNER}),
        published,
        training_button("Ask a question", form_opens(Callback.TRAINING_QUESTION)),
    ),
    Row(
        "complaint: customer answered",
        frozenset({OWNER, MANAGER}),
        complaint,
        complaint_button("Customer answered", "answered"),
    ),
    Row(
        "complaint: raise nonconformity",
        EVERYONE,
        complaint,
        complaint_button("Raise nonconformity", form_opens(Callback.NC_RAISE)),
    ),
    Row("reminder: snooze", frozenset({OWNER}), reminder, snooze),
    # The owner here is the audit's lead auditor, the document's owner, the review's attendee or its action's owner.
    Row(
        "/audit plan", frozenset({MANAGER}), lambda sb: None, command("/audit", "plan", form_opens(Callback.AUDIT_PLAN))
    ),
    Row(
        "audit: open the checklist",
        frozenset({OWNER, MANAGER}),
        planned_audit,
        click(Action.AUDIT_CHECKLIST, str, "The checklist is in your messages"),
    ),
    Row(
        "audit: complete",
        frozenset({OWNER, MANAGER}),
        planned_audit,
        click(Action.AUDIT_COMPLETE, str, form_opens(Callback.AUDIT_COMPLETE)),
    ),
    Row(
        "/audit cancel",
        frozenset({MANAGER}),
        planned_audit,
        lambda sb, p, a: command("/audit", f"cancel AU-2026-{a:04d} wrong date", "is cancelled; its reminders stop")(
            sb, p, a
        ),
    ),
    Row("/doc add", frozenset({MANAGER}), lambda sb: None, command("/doc", "add", form_opens(Callback.DOC_ADD))),
    Row(
        "document: reviewed, no change",
        frozenset({OWNER, MANAGER}),
        registered_document,
        click(Action.DOC_REVIEWED_NO_CHANGE, str, "and confirmed it as it is. Next review"),
    ),
    Row(
        "document: revised",
        frozenset({OWNER, MANAGER}),
        registered_document,
        click(Action.DOC_REVISED, str, form_opens(Callback.DOC_REVISE)),
    ),
    Row(
        "/training require",
        frozenset({MANAGER}),
        published,
        lambda sb, p, n: command("/training", "require", form_opens(Callback.COMPETENCE_REQUIRE))(sb, p, n),
    ),
    Row(
        "/equipment add",
        frozenset({MANAGER}),
        lambda sb: None,
        command("/equipment", "add", form_opens(Callback.EQUIPMENT_ADD)),
    ),
    Row(
        "equipment: record calibration",
        frozenset({OWNER, MANAGER}),
        registered_gauge,
        click(Action.EQUIPMENT_CALIBRATE, str, form_opens(Callback.EQUIPMENT_CALIBRATE)),
    ),
    Row(
        "/review schedule",
        frozenset({MANAGER}),
        lambda sb: None,
        command("/review", "schedule", form_opens(Callback.REVIEW_SCHEDULE)),
    ),
    Row(
        "/review pack",
        frozenset({OWNER, MANAGER, LEADER}),
        scheduled_review,
        lambda sb, p, n: command("/review", f"pack {n}", f"Input pack for {n}")(sb, p, n),
    ),
    Row(
        "/review record",
        frozenset({MANAGER}),
        scheduled_review,
        lambda sb, p, n: command("/review", f"record {n}", form_opens(Callback.REVIEW_RECORD))(sb, p, n),
    ),
    Row(
        "review action: mark done",
        frozenset({OWNER, MANAGER}),
        review_action,
        click(Action.REVIEW_ACTION_DONE, str, form_opens(Callback.REVIEW_ACTION_DONE)),
    ),
]


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    # One bot for the whole table (each attempt makes its own fresh record): stopping a
    # sandbox costs more than all of a row's requests.
    with Sandbox(clock=ManualClock()) as sandbox:
        yield sandbox


@pytest.mark.parametrize("row", MATRIX, ids=[r.action for r in MATRIX])
def test_every_role_is_allowed_or_refused_as_documented(sb: Sandbox, row: Row) -> None:
    seen = {}
    for role, person in ROLES.items():
        subject = row.arrange(sb)  # a fresh record for each attempt: an allowed one changes it
        seen[role] = row.attempt(sb, person, subject)
    assert {role for role, ok in seen.items() if ok} == row.allowed, seen


def test_the_matrix_covers_every_nc_step_button() -> None:
    from bot.nonconformity.blocks import STEP_BUTTONS

    covered = {r.action for r in MATRIX if r.action.startswith("NC: ") and "recurrence" not in r.action}
    assert len(covered) == len(STEP_BUTTONS)  # one row per step button on the card


def test_forged_and_replayed_requests_are_refused_and_change_nothing(sb: Sandbox) -> None:
    import time
    from urllib.parse import urlencode

    from tests.flows import ANSWERS, record_counts

    sb.slack.command(ANNA, "/nc")
    view = sb.slack.last_view()
    state = {block: {block: {"type": "plain_text_input", "value": value}} for block, value in ANSWERS.items()}
    payload = {
        "type": "view_submission",
        "user": {"id": ANNA.id},
        "team": {"id": "T0QMSDEMO1"},
        "view": {**view, "state": {"values": state}},
    }
    body = urlencode({"payload": json.dumps(payload)})
    form = "application/x-www-form-urlencoded"
    before = record_counts(sb)
    assert sb.slack.post(body, form, secret="f" * 32).status_code == 401  # signed with another secret
    assert (
        sb.slack.post(body, form, timestamp=int(time.time()) - 5 * 60 - 1).status_code == 401
    )  # a replay, over 5 minutes old
    assert (
        sb.slack.post(body.replace("Label", "Lbel"), form, headers=_signature_of(sb, body)).status_code == 401
    )  # tampered
    assert record_counts(sb) == before


def _signature_of(sb: Sandbox, body: str) -> dict[str, str]:
    from bot.standin.simulate import sign

    return sign(sb.signing_secret, body)
