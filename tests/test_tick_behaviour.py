"""The derive tick enqueues exactly what it did before it learned to read only what is due.

A scripted scenario over eight weeks of a ManualClock (NCs and their actions, a training round,
a complaint, an audit, a document, two management reviews, the digest) ticks four times a day,
around Berlin's midnight too, and records every key and not_before each tick enqueued. The
record (tests/tick_behaviour.json) was taken from the tick as it was before issue 17 (every
source reading every open record each time); the tick must keep matching it exactly.
Set RECORD_TICK_BEHAVIOUR=1 to write it afresh (only when a change of behaviour is meant).
"""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.delivery import nudges
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage.models import Nonconformity, OutboxMessage
from tests.flows import (
    COMPLAINT,
    SOP,
    actions_of,
    card_for,
    complaint_card,
    entries,
    log,
    plan,
    publish,
    raise_nc,
    review_action,
    scheduled_review,
    step,
    work_to_actions_done,
)

RECORD = Path(__file__).with_name("tick_behaviour.json")
SETTINGS = {"reminder_days_before": [3, 1], "overdue_every_days": 2, "escalate_after_days": 5, "verify_after_days": 7}
# UTC hours of each day's ticks: early, mid-morning, just before and just after Berlin's midnight.
TICK_HOURS = (5, 9.5, 22.5, 23.5)
DAYS = 56
EVENT_HOUR = 10  # what people do on a day, they do at 11:00 in Berlin (after the morning ticks)


def _last_id(sb: Sandbox) -> int:
    with sb.db.session() as session:
        return int(session.exec(select(func.coalesce(func.max(OutboxMessage.id), 0))).one())


def _tick(sb: Sandbox) -> list[list[str]]:
    """Run one derive tick; what it enqueued, as [key, not_before] sorted by key."""
    before = _last_id(sb)
    sb.ctx.nudges.derive()
    with sb.db.session() as session:
        rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id) > before)).all()
        return sorted([r.key, r.not_before.astimezone(UTC).isoformat()] for r in rows)


def _events(sb: Sandbox) -> dict[int, Any]:
    """What people do on some days (at EVENT_HOUR), as day offset -> step."""
    state: dict[str, Any] = {}

    def start() -> None:
        state["nc1"] = raise_nc(sb, owner=ANNA.id, due_date="2026-12-07", severity="critical")
        state["nc2"] = raise_nc(sb, owner=BEN.id, due_date="2026-11-27")
        state["nc3"] = raise_nc(sb, owner=ANNA.id, due_date="2026-12-20")
        work_to_actions_done(sb, state["nc3"])
        publish(sb, users=[ANNA.id, BEN.id, LENA.id], due_date="2026-12-04")
        log(sb, ANNA, owner=ANNA.id, **COMPLAINT)
        plan(sb, planned_date="2026-12-16")
        sb.slack.command(QUINN, "/doc", "add")
        sb.slack.submit(QUINN, sb.slack.last_view(), SOP)
        scheduled_review(sb)
        review_action(sb)

    def acknowledge() -> None:
        step(sb, ANNA, state["nc1"], "Record containment", {"containment": "Quarantined"})
        sb.ctx.sender.drain()
        sb.press(ANNA, copy.deepcopy(card_for(sb, ANNA)), "I've read and understood")

    def add_action() -> None:
        nc2 = state["nc2"]
        step(sb, BEN, nc2, "Record containment", {"containment": "Stopped the line"})
        step(sb, BEN, nc2, "Record root cause", {"method": "other", "cause": "Training gap", "elsewhere": "no"})
        step(
            sb,
            BEN,
            nc2,
            "Add action",
            {"kind": "corrective", "description": "Retrain", "owner": LENA.id, "due_date": "2026-12-01"},
        )

    def not_effective() -> None:
        step(sb, QUINN, state["nc3"], "Verify effectiveness", {"result": "not_effective", "note": "Came back"})

    def action_done() -> None:
        action = actions_of(sb, state["nc2"])[0]
        step(sb, LENA, state["nc2"], f"Mark A{action.seq} done", {"evidence": "Training record TR-88"})

    def answered() -> None:
        sb.ctx.sender.drain()
        sb.press(ANNA, complaint_card(sb, entries(sb)[-1]), "Customer answered")

    return {0: start, 1: acknowledge, 3: add_action, 9: not_effective, 12: action_done, 15: answered}


def run_scenario(sb: Sandbox, clock: ManualClock) -> list[dict[str, Any]]:
    events = _events(sb)
    first = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    ticks: list[dict[str, Any]] = []
    for day in range(DAYS):
        for hour in TICK_HOURS:
            if day in events and hour > EVENT_HOUR:
                clock.set(first + timedelta(days=day, hours=EVENT_HOUR))
                events.pop(day)()
            clock.set(first + timedelta(days=day, hours=hour))
            enqueued = _tick(sb)
            if enqueued:
                ticks.append({"at": clock.now().isoformat(), "enqueued": enqueued})
    return ticks


def test_the_tick_enqueues_what_it_always_did_and_when(database_url: str) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with Sandbox(clock=clock, database_url=database_url, settings=SETTINGS) as sb:
        ticks = run_scenario(sb, clock)
    if os.environ.get("RECORD_TICK_BEHAVIOUR"):
        RECORD.write_text(json.dumps(ticks, indent=1) + "\n")
    recorded = json.loads(RECORD.read_text())
    # Every source shows up, so the record covers each of them.
    prefixes = {key.split(":")[0] for tick in recorded for key, _ in tick["enqueued"]}
    assert prefixes >= {"nc", "nca", "tr", "fb", "au", "doc", "mr", "mra", "digest"}, prefixes
    assert ticks == recorded


def test_a_tick_cut_into_the_smallest_transactions_enqueues_the_same(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each record looked at and settled in transactions of its own: a tick that yields the
    write lock as often as it can still queues exactly the same."""
    monkeypatch.setattr(nudges, "SLICE", 1)
    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with Sandbox(clock=clock, database_url=database_url, settings=SETTINGS) as sb:
        ticks = run_scenario(sb, clock)
    assert ticks == json.loads(RECORD.read_text())


def test_a_record_changed_while_the_tick_looks_at_it_is_nudged_as_it_is_now(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick draws reminders outside the write lock; a record changed between its look and
    the write is not nudged as it was: it is due again, and the next tick sees the change."""
    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with Sandbox(clock=clock, database_url=database_url, settings=SETTINGS) as sb:
        nc = raise_nc(sb, owner=ANNA.id, due_date="2026-11-27")
        sb.ctx.nudges.derive()
        clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
        today = f"nc:{nc.id}:owner:20261127:today"
        settle = nudges.NudgeEngine._settle

        def reassigned_meanwhile(engine: Any, source: Any, plans: Any, report: Any) -> int:
            if source.name == "nc_nudges":
                monkeypatch.setattr(nudges.NudgeEngine, "_settle", settle)
                with sb.db.session() as session:
                    record = session.get(Nonconformity, nc.id)
                    assert record is not None
                    record.owner = BEN.id
                    session.add(record)
            return settle(engine, source, plans, report)

        monkeypatch.setattr(nudges.NudgeEngine, "_settle", reassigned_meanwhile)
        first = _tick(sb)
        assert today not in [key for key, _ in first]
        second = _tick(sb)
        assert today in [key for key, _ in second]
        with sb.db.session() as session:
            row = session.exec(select(OutboxMessage).where(OutboxMessage.key == today)).one()
        assert row.recipient == BEN.id
