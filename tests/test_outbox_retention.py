"""Sent messages past QMS_OUTBOX_KEEP_DAYS are slimmed in short batches; what the bot still
needs of them (the key against doubles, who, which record, where and when) stays."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import col, select

from bot.context import Context
from bot.delivery import retention
from bot.delivery.outbox import Nudge, enqueue
from bot.registry import Action
from bot.standin.fakeslack import FakeSlack
from bot.standin.sandbox import ANNA, Sandbox
from bot.workspace.clock import ManualClock
from storage import outbox as rows
from storage.models import OutboxMessage
from tests.flows import make_ctx


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock) as slack:
        slack.add_user(ANNA.id, "anna", tz="Europe/Berlin")
        yield slack


@pytest.fixture
def ctx(database_url: str, fake: FakeSlack, clock: ManualClock) -> Iterator[Context]:
    context = make_ctx(database_url, fake, clock, working_hours="00:00-23:59", working_days="mon-sun")
    yield context
    context.db.dispose()


def queue(ctx: Context, n: int, prefix: str = "action") -> None:
    with ctx.db.session() as session:
        for i in range(n):
            nudge = Nudge(
                key=f"{prefix}:{i}:due", recipient=ANNA.id, text=f"Action {i} is due", record_ref=f"NC-2026-{i:04d}"
            )
            enqueue(session, nudge, ctx.clock.now())


def stored(ctx: Context) -> list[OutboxMessage]:
    with ctx.db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def test_what_was_sent_before_the_keeping_time_is_slimmed_and_its_key_still_refuses_a_double(
    ctx: Context, clock: ManualClock
) -> None:
    queue(ctx, 3, "old")
    ctx.sender.drain()
    clock.advance(days=ctx.settings.outbox_keep_days + 1)
    queue(ctx, 2, "new")
    ctx.sender.drain()
    queue(ctx, 1, "waiting")  # not sent yet: never archived, however old it gets
    assert retention.archive_old_messages(ctx.db, clock, ctx.settings) == 3
    by_key = {m.key: m for m in stored(ctx)}
    for key in ("old:0:due", "old:1:due", "old:2:due"):
        old = by_key[key]
        assert (old.text, old.blocks, old.attachment, old.archived_at) == ("", None, None, clock.now())
        assert old.status == "sent" and old.channel and old.ts and old.recipient == ANNA.id and old.record_ref
    assert all(by_key[k].text and by_key[k].archived_at is None for k in ("new:0:due", "new:1:due", "waiting:0:due"))
    with ctx.db.session() as session:
        assert enqueue(session, Nudge(key="old:0:due", recipient=ANNA.id, text="again"), clock.now()) is False
    assert retention.archive_old_messages(ctx.db, clock, ctx.settings) == 0  # nothing done twice


def test_archiving_runs_in_short_batches_and_a_run_stops_after_its_share(
    ctx: Context, clock: ManualClock, monkeypatch: Any
) -> None:
    queue(ctx, 10)
    ctx.sender.drain()
    clock.advance(days=ctx.settings.outbox_keep_days + 1)
    monkeypatch.setattr(retention, "BATCH", 3)
    monkeypatch.setattr(retention, "MAX_BATCHES", 2)
    commits: list[int] = []

    def count(connection: Any) -> None:
        commits.append(1)

    event.listen(ctx.db.engine, "commit", count)
    try:
        assert retention.archive_old_messages(ctx.db, clock, ctx.settings) == 6
        assert len(commits) == 2
        assert retention.archive_old_messages(ctx.db, clock, ctx.settings) == 4  # the next run goes on
    finally:
        event.remove(ctx.db.engine, "commit", count)


def test_keeping_days_of_zero_keeps_everything(database_url: str, fake: FakeSlack, clock: ManualClock) -> None:
    ctx = make_ctx(database_url, fake, clock, outbox_keep_days=0)
    try:
        queue(ctx, 2)
        with ctx.db.session() as session:
            for row in session.exec(select(OutboxMessage)):
                row.status, row.sent_at = "sent", clock.now()
        clock.advance(days=3650)
        assert retention.archive_old_messages(ctx.db, clock, ctx.settings) == 0
    finally:
        ctx.db.dispose()


def test_the_archive_job_seeks_through_its_index(ctx: Context) -> None:
    if ctx.db.dialect != "sqlite":
        pytest.skip("the plan's wording is SQLite's")
    with ctx.db.engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM outbox_message WHERE status = 'sent' "
                    "AND archived_at IS NULL AND sent_at < '2026-01-01' ORDER BY sent_at LIMIT 500"
                )
            )
        )
    assert "USING INDEX ix_outbox_message_archive" in plan or "USING COVERING INDEX ix_outbox_message_archive" in plan
    assert "TEMP B-TREE" not in plan


def test_an_archived_reminder_cannot_be_snoozed_and_says_what_to_do(clock: ManualClock) -> None:
    with Sandbox(clock=clock) as sb:
        with sb.db.session() as session:
            nudge = Nudge(key="action:9:due", recipient=ANNA.id, text="Action 9 is due", snoozable=True)
            enqueue(session, nudge, clock.now())
        sb.ctx.sender.drain()
        message = sb.fake.sent_messages(ANNA.id)[-1]
        clock.advance(days=sb.settings.outbox_keep_days + 1)
        assert retention.archive_old_messages(sb.db, clock, sb.settings) == 1
        with sb.db.session() as session:
            row = rows.by_key(session, "action:9:due")
            assert row is not None and row.archived_at is not None
        value = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
        sb.slack.click(ANNA, Action.SNOOZE, value, message=message)
        assert "too old to snooze" in sb.slack.last_response()["text"]
        assert sb.fake.calls_to("views.open") == []
