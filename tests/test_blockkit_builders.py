"""Every Block Kit builder, rendered with extreme data, passes Slack's checks (bot.standin.blockkit).

Extreme: no items and the most items, every text at its longest (the forms' *_MAX limits),
hostile text (`<!channel>`, `&`, `*`, words longer than a line), ten open actions, every status
of every record. Pure builders get records built in memory; builders that read the database are
reached through the real app in a sandbox, and every surface the bot sent is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot import audits
from bot import nonconformity as nc_process
from bot.delivery.snooze import snooze_modal
from bot.home.blocks import MyWork, home_tab
from bot.nonconformity import asks
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity import modals as nc_modals
from bot.nonconformity.forms import RaiseForm
from bot.nonconformity.lifecycle import Status
from bot.nonconformity.record import Record
from bot.standin.blockkit import message_problems, view_problems
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from bot.workspace.config import Settings, load_settings
from storage.models import AuditEvent, MessageCapture
from tests.extremes import NOW, SIZES, TEN, TODAY, accepted, an_nc, its_actions, longest


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(None, channel="C0QMS00001")


# --- nonconformities, built in memory ----------------------------------------------------------


def a_record(status: Status, size: str) -> Record:
    nc = an_nc(status, size)
    big = size == "longest"
    with_actions = status not in (Status.OPEN, Status.CONTAINED, Status.ROOT_CAUSE_FOUND, Status.CANCELLED) or big
    capture = MessageCapture(
        id=1, captured_by=BEN.id, channel="C0GEN", ts="1.1", author=BEN.id, text=longest(40000), public=True
    )
    return Record(
        nc,
        its_actions(nc, TEN if big else 1, big) if with_actions else [],
        capture if big else None,
        numbers={2: "NC-2025-0002", 3: "NC-2025-0003"},
        recurred_as=[f"NC-2027-{n:04d}" for n in range(200)] if big else [],
        complaint=("FB-2026-0001", "https://example.slack.com/x?" + "p" * 450) if big else None,
    )


STATUSES = list(Status)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.value)
def test_the_nc_card_and_record_in_every_status(status: Status, size: str, settings: Settings) -> None:
    record = a_record(status, size)
    events = [
        AuditEvent(
            at=NOW,
            actor=ANNA.id,
            record_type="nc",
            record_ref="NC-2026-0007",
            action="x" * 60,
            note=longest(5000) if size == "longest" else None,
            prev_hash="0",
            event_hash="1",
        )
        for _ in range(500 if size == "longest" else 0)
    ]
    assert accepted(nc_blocks.card(record, TODAY, settings)) == []
    assert accepted(nc_blocks.record_with_history(record, events, TODAY, settings)) == []


@pytest.mark.parametrize("size", SIZES)
def test_nc_messages_and_lists(size: str, settings: Settings) -> None:
    record = a_record(Status.ACTIONS_PLANNED, size)
    nc, action = record.nc, record.actions[0]
    replies = [
        nc_blocks.raised_confirmation(nc, "C0QMS"),
        nc_blocks.raised_confirmation(nc, None),
        asks.owner_assigned(nc),
        asks.action_assigned(nc, action),
        asks.escalation(nc, None, TODAY),
        asks.escalation(nc, action, TODAY),
        asks.verification_due(nc, record.actions, "U0QUINN001"),
        asks.action_done_note(nc, action, True),
        asks.not_effective_note(nc),
        asks.outcome_note(nc),
        *(asks.after_step(nc, record.actions, nc.owner, True, step, action.id) for step in asks.DONE),
    ]
    for stage in ("before-3d", "today", "after-1d"):
        replies += [asks.nc_reminder(nc, stage, TODAY), asks.action_reminder(nc, action, stage, TODAY)]
    for which in nc_blocks.LIST_TITLES:
        replies += [nc_blocks.nc_list(which, [], TODAY, 20), nc_blocks.nc_list(which, [nc] * 500, TODAY, 50, 9999)]
    for reply in replies:
        assert accepted(reply) == [], reply.text[:80]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.value)
def test_nc_forms(status: Status, size: str, settings: Settings) -> None:
    record = a_record(status, size)
    big = size == "longest"
    form = RaiseForm(
        title=longest(nc_process.TITLE_MAX) if big else None,
        description=longest(nc_process.TEXT_MAX) if big else None,
    )
    views = [
        nc_modals.raise_modal(settings, form),
        nc_modals.raise_modal(settings, form, capture_id=2**62),
        nc_modals.containment_modal(record),
        nc_modals.root_cause_modal(record),
        nc_modals.action_modal(record, TODAY),
        nc_modals.verify_modal(record, settings.zone),
        nc_modals.cancel_modal(record),
        *(nc_modals.done_modal(record, a) for a in record.actions),
    ]
    for view in views:
        assert accepted(view) == [], view["callback_id"]


@pytest.mark.parametrize("record_ref", [None, "NC-2026-0007", longest(40)])
def test_the_snooze_form(record_ref: str | None) -> None:
    assert accepted(snooze_modal(2**62, record_ref)) == []


@pytest.mark.parametrize("size", SIZES)
def test_the_home_tab(size: str) -> None:
    big = size == "longest"
    many = 300 if big else 0
    ncs = [an_nc(s, size) for s in STATUSES] * (many // len(STATUSES))
    record = a_record(Status.ACTIONS_PLANNED, size)
    mine = MyWork(user=ANNA.id, ncs=ncs, actions=[(a, record.nc) for a in record.actions * (many // TEN)])
    assert accepted(home_tab(mine, TODAY, None, NOW)) == []


# --- the builders that read the database: through the real app ----------------------------------

VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage")


def refusals(sb: Sandbox) -> list[str]:
    """Slack's reasons to refuse any surface the bot sent so far (calls and response_url posts)."""
    found = []
    for call in [*sb.fake.calls, *sb.fake.responses]:
        args = dict(call.args)
        for name in ("blocks", "attachments", "view"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        if call.method in VIEW_METHODS:
            problems = view_problems(args.get("view"))
        elif call.method in (*MESSAGE_METHODS, "response_url"):
            problems = message_problems(args)
        else:
            continue
        found += [f"{call.method}: {p}" for p in problems]
    return found


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def long_nc(sb: Sandbox) -> Any:
    """An NC at every text's longest, worked to ten open actions, then through to closed."""
    from tests.flows import raise_nc, reload, step

    answers: dict[str, Any] = {"title": longest(nc_process.TITLE_MAX), "description": longest(nc_process.TEXT_MAX)}
    nc = raise_nc(sb, ANNA, owner=ANNA.id, **answers, supplier=longest(nc_process.SUPPLIER_MAX))
    big = longest(nc_process.TEXT_MAX)
    assert step(sb, ANNA, nc, "Record containment", {"containment": big}) == {}
    cause = {"method": "five_whys", "cause": big, "elsewhere": "yes", "elsewhere_note": longest(1000)}
    assert step(sb, ANNA, nc, "Record root cause", cause) == {}
    for _ in range(TEN):
        action = {"kind": "corrective", "description": big, "owner": ANNA.id}
        assert step(sb, ANNA, nc, "Add action", action) == {}
    sb.slack.command(ANNA, "/nc", "NC-2026-0001")
    while Status(reload(sb, nc).status) is Status.ACTIONS_PLANNED:
        label = next(label for label in Sandbox.buttons(nc_card_of(sb, nc)) if label.startswith("Mark A"))
        assert step(sb, ANNA, nc, label, {"evidence": big}) == {}
    assert step(sb, QUINN, nc, "Verify effectiveness", {"result": "not_effective", "note": big}) == {}
    return nc


def nc_card_of(sb: Sandbox, nc: Any) -> dict[str, Any]:
    from tests.flows import nc_card

    return nc_card(sb, nc)


def test_every_surface_of_a_long_and_hostile_journey_is_accepted(sb: Sandbox, clock: ManualClock) -> None:
    from tests.flows import COMPLAINT, FORM, PLAN, SOP, log, plan, publish, scheduled_review

    long_nc(sb)
    for words in ("list mine", "list open", "list overdue", "NC-2026-0001", "help", "list nothing"):
        sb.slack.command(ANNA, "/nc", words)
    publish(sb, QUINN, **{**FORM, "title": longest(150), "summary": longest(2000), "users": [ANNA.id, BEN.id]})
    log(sb, ANNA, **{**COMPLAINT, "customer": longest(150), "product": longest(150), "text": longest(3000)})
    assert (
        plan(sb, QUINN, **{**PLAN, "scope": longest(audits.SCOPE_MAX), "lead_auditor": ANNA.id, "auditees": [BEN.id]})
        == {}
    )
    sb.slack.command(QUINN, "/doc", "add")
    sb.slack.submit(QUINN, sb.slack.last_view(), {**SOP, "title": longest(150)})
    review = scheduled_review(sb)
    sb.ctx.sender.drain()
    for person, command, words in [
        (QUINN, "/training", "list"),
        (QUINN, "/training", "status TR-2026-0001"),
        (QUINN, "/training", "matrix"),
        (ANNA, "/training", "me"),
        (QUINN, "/feedback", "list"),
        (QUINN, "/feedback", "stats 90"),
        (QUINN, "/feedback", "FB-2026-0001"),
        (QUINN, "/audit", "list"),
        (QUINN, "/audit", "AU-2026-0001"),
        (ANNA, "/audit", "checklist AU-2026-0001"),
        (QUINN, "/doc", "list"),
        (QUINN, "/doc", "SOP-012"),
        (QUINN, "/review", "list"),
        (QUINN, "/review", f"pack {review}"),
        (QUINN, "/review", review),
        (QUINN, "/kpi", ""),
        (QUINN, "/qms", "help"),
        (QUINN, "/qms", "whoami"),
        (QUINN, "/qms", "digest"),
        (QUINN, "/qms", "outbox"),
        (QUINN, "/qms", "nonsense " + longest(500)),
    ]:
        sb.slack.command(person, command, words)
    for person in (ANNA, BEN, QUINN):
        sb.slack.event({"type": "app_home_opened", "user": person.id, "channel": "D" + person.id[1:], "tab": "home"})
    for days in (1, 10, 40, 400):  # reminders, escalations, reviews and packs fall due
        clock.advance(days=days)
        sb.ctx.nudges.derive()
        sb.ctx.sender.drain()
    assert len(sb.fake.calls) > 100
    assert not [c for c in sb.fake.responses if "There is no" in str(c.args.get("text"))]
    assert refusals(sb) == []
    sent = [*sb.fake.calls_to("chat.postMessage"), *sb.fake.calls_to("chat.update"), *sb.fake.responses]
    assert not [c.args["text"] for c in sent if "<!channel" in str(c.args.get("text"))]  # the fallback text too
