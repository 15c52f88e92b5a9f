"""Nonconforming output on the Home tab: an approver's Home lists the dispositions awaiting
their authorisation with the DM request's Authorise / Reject, and a press there works and
redraws the tab; the NC owner's Home says how much of their output is on hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, inspect, text
from sqlmodel import SQLModel

from bot.home import AUTHORISE_SHOWN
from bot.registry import Action
from bot.standin.sandbox import ANNA, BEN, LENA, QUINN, Sandbox
from bot.standin.simulate import Person
from bot.workspace.clock import ManualClock
from storage import outputs as store
from storage.db import Database
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import AffectedOutput, Disposition, Nonconformity
from tests.flows import OUTPUT, raise_nc, step


@pytest.fixture
def sb(clock: ManualClock, database_url: str) -> Iterator[Sandbox]:
    # Lena (a leader) and Quinn (the QMS manager) may authorise dispositions; Anna owns the NC.
    settings = {"disposition_approvers": [QUINN.id, LENA.id]}
    with Sandbox(clock=clock, database_url=database_url, settings=settings) as sandbox:
        yield sandbox


def held_nc(sb: Sandbox, title: str = "Cracked housings from moulding") -> Nonconformity:
    nc = raise_nc(sb, owner=ANNA.id, title=title)
    assert step(sb, ANNA, nc, "Affected output", OUTPUT) == {}
    return nc


def decide(sb: Sandbox, person: Person, nc: Nonconformity, kind: str, quantity: str) -> None:
    assert step(sb, person, nc, "Record disposition", {"kind": kind, "quantity": quantity, "reason": "Seen"}) == {}


def open_home(sb: Sandbox, person: Person) -> str:
    sb.slack.event({"type": "app_home_opened", "user": person.id, "channel": "D" + person.id[1:], "tab": "home"})
    return shown_home(sb, person)


def shown_home(sb: Sandbox, person: Person) -> str:
    """The Home tab as last published, without opening it again."""
    return json.dumps(sb.fake.home_views[person.id]["blocks"], ensure_ascii=False)


def home_presses(sb: Sandbox, person: Person) -> list[tuple[str, str, str]]:
    """(block_id, label, value) of each Authorise / Reject on the person's Home, top to bottom."""
    return [
        (block["block_id"], element["text"]["text"], element["value"])
        for block in sb.fake.home_views[person.id]["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") in (Action.OUT_APPROVE, Action.OUT_REJECT)
    ]


def decisions(sb: Sandbox, nc: Nonconformity) -> list[Disposition]:
    with sb.db.read() as session:
        return store.decisions_of(session, nc.id or 0)


def test_an_approver_authorises_from_home_and_the_tab_is_redrawn(sb: Sandbox) -> None:
    nc = held_nc(sb)
    decide(sb, ANNA, nc, "rework", "200")
    sb.clock.advance(minutes=5)  # type: ignore[attr-defined]
    decide(sb, ANNA, nc, "scrap", "40")
    rework, scrap = decisions(sb, nc)

    shown = open_home(sb, LENA)
    assert "Dispositions awaiting your authorisation* (2)" in shown
    # Oldest first, each with its NC, decision and quantity, and the DM request's two buttons.
    assert shown.index("*D1* Rework · 200 pcs") < shown.index("*D2* Scrap · 40 pcs") and nc.number in shown
    presses = home_presses(sb, LENA)
    assert [(label, value) for _, label, value in presses] == [
        ("Authorise", f"{rework.id}@{rework.version}"),
        ("Reject", f"{rework.id}@{rework.version}"),
        ("Authorise", f"{scrap.id}@{scrap.version}"),
        ("Reject", f"{scrap.id}@{scrap.version}"),
    ]
    assert len({block_id for block_id, _, _ in presses}) == 2  # a block of its own per decision
    assert "Dispositions awaiting" in open_home(sb, QUINN)  # the other approver sees them too
    owners = open_home(sb, ANNA)
    assert "Dispositions awaiting" not in owners  # Anna recorded them and is no approver
    assert "240 pcs still on hold: 240 awaiting authorisation" in owners

    # Lena authorises the scrap from her Home: it is approved and her Home is redrawn at once.
    published = len(sb.fake.calls_to("views.publish", ok=True))
    sb.slack.click_in_home(LENA, Action.OUT_APPROVE, f"{scrap.id}@{scrap.version}")
    assert [(d.seq, d.status, d.authorised_by) for d in decisions(sb, nc)] == [
        (1, "pending", None),
        (2, "approved", LENA.id),
    ]
    assert len(sb.fake.calls_to("views.publish", ok=True)) == published + 1
    redrawn = shown_home(sb, LENA)
    assert "Dispositions awaiting your authorisation* (1)" in redrawn and "*D2* Scrap" not in redrawn
    assert "200 pcs still on hold: 200 awaiting authorisation" in open_home(sb, ANNA)

    # Quinn rejects the rework from his: the quantity is undecided again, and nothing waits.
    sb.slack.click_in_home(QUINN, Action.OUT_REJECT, f"{rework.id}@{rework.version}")
    assert not sb.slack.submit(QUINN, sb.slack.last_view(), {"note": "Relabelling tears the seal"}).content
    assert decisions(sb, nc)[0].status == "rejected"
    assert "Dispositions awaiting your authorisation* (0)" in shown_home(sb, QUINN)
    assert "200 pcs still on hold: 200 undecided" in open_home(sb, ANNA)


def test_an_approver_is_not_asked_to_authorise_what_they_recorded_nor_a_cancelled_ncs(sb: Sandbox) -> None:
    nc = held_nc(sb)
    decide(sb, QUINN, nc, "scrap", "40")  # a QMS manager may record a decision too
    assert "Dispositions awaiting your authorisation* (0)" in open_home(sb, QUINN)
    assert "Dispositions awaiting your authorisation* (1)" in open_home(sb, LENA)
    assert "Dispositions awaiting" not in open_home(sb, BEN)  # not an approver

    assert step(sb, QUINN, nc, "Cancel NC", {"reason": "Duplicate of another report"}) == {}
    assert "Dispositions awaiting your authorisation* (0)" in open_home(sb, LENA)


def test_an_old_home_button_changes_nothing_and_says_who_was_first(sb: Sandbox) -> None:
    nc = held_nc(sb)
    decide(sb, ANNA, nc, "scrap", "40")
    (d,) = decisions(sb, nc)
    open_home(sb, LENA)
    open_home(sb, QUINN)
    sb.slack.click_in_home(QUINN, Action.OUT_APPROVE, f"{d.id}@{d.version}")
    sb.slack.click_in_home(LENA, Action.OUT_REJECT, f"{d.id}@{d.version}")  # Lena's Home was drawn before
    assert decisions(sb, nc)[0].status == "approved"
    assert "Already done by" in sb.fake.sent_messages(LENA.id)[-1]["text"]  # Home has no ephemeral: a DM


def test_a_long_list_shows_the_oldest_and_counts_the_rest_within_the_home_limits(sb: Sandbox) -> None:
    first, second = held_nc(sb, "Housings A"), held_nc(sb, "Housings B")
    for _ in range(4):
        decide(sb, ANNA, first, "scrap", "10")
        decide(sb, ANNA, second, "rework", "10")
        sb.clock.advance(minutes=1)  # type: ignore[attr-defined]
    shown = open_home(sb, LENA)
    assert "Dispositions awaiting your authorisation* (8)" in shown
    assert len(home_presses(sb, LENA)) == 2 * AUTHORISE_SHOWN
    assert f"… and {8 - AUTHORISE_SHOWN} more" in shown and "in your DMs" in shown
    assert shown.index("Housings A") < shown.index("Housings B")  # D1 of the first came first
    assert len(sb.fake.home_views[LENA.id]["blocks"]) <= 100


# --- the read: one query through ix_disposition_pending -----------------------------------------


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _fill(db: Database, pending: int, history: int) -> None:
    """`history` decided and authorised decisions on closed NCs, `pending` on open ones."""
    with db.session() as session:
        for i in range(1, pending + history + 1):
            closed = i > pending
            session.add(
                Nonconformity(
                    id=i,
                    number=f"NC-2026-{i:04d}",
                    title=f"Finding {i}",
                    description="-",
                    severity="minor",
                    source="employee_report",
                    process="Production",
                    owner=ANNA.id,
                    reporter=BEN.id,
                    due_date=NOW.date(),
                    status="closed" if closed else "open",
                    raised_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        for i in range(1, pending + history + 1):
            closed = i > pending
            session.add(
                AffectedOutput(nc_id=i, item="H-12", quantity=10, unit="pcs", recorded_by=ANNA.id, recorded_at=NOW)
            )
            session.add(
                Disposition(
                    nc_id=i,
                    seq=1,
                    kind="scrap",
                    quantity=10,
                    reason="-",
                    status="approved" if closed else "pending",
                    decided_by=ANNA.id if i % 3 else QUINN.id,
                    decided_at=NOW - timedelta(minutes=i),
                    authorised_by=LENA.id if closed else None,
                    authorised_at=NOW if closed else None,
                )
            )
        session.commit()


def _plan(db: Database, work: Any) -> str:
    """The database's plan for each SELECT `work` runs."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    plans = []
    with db.engine.connect() as connection:
        if db.dialect != "sqlite":
            connection.execute(text("SET enable_seqscan = off"))  # a tiny table: ask for the index's plan
        for statement, parameters in seen:
            prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
            plans += [str(r[-1]) for r in connection.exec_driver_sql(prefix + statement, parameters)]
    return "\n".join(plans)


def test_the_pending_decisions_are_one_query_through_their_index_oldest_first_with_their_count(
    db: Database,
) -> None:
    _fill(db, pending=12, history=30)
    with db.read() as session:
        page, total = store.awaiting_authorisation(session, QUINN.id, 5)
        expected = sorted(
            (i for i in range(1, 13) if i % 3), key=lambda i: NOW - timedelta(minutes=i)
        )  # Quinn's own (every third) left out, oldest first
        assert [d.nc_id for d, _, _ in page] == expected[:5] and total == len(expected)
        assert all(o.nc_id == d.nc_id == nc.id for d, o, nc in page)
        assert store.awaiting_authorisation(session, QUINN.id, 100)[1] == len(expected)
        assert store.outputs_of(session, []) == {}
        found = store.outputs_of(session, [1, 20, 999])
        assert sorted(found) == [1, 20] and [d.seq for d in found[1][1]] == [1]

    def read() -> None:
        with db.read() as session:
            store.awaiting_authorisation(session, QUINN.id, 5)

    plan = _plan(db, read)
    assert "ix_disposition_pending" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # the index's order, read up to the limit


def test_the_pending_index_migrates_down_and_up_again(db: Database) -> None:
    config = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015_disposition_nudges")
    assert "ix_disposition_pending" not in {i["name"] for i in inspect(db.engine).get_indexes("disposition")}
    upgrade(db.engine)
    indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("disposition")}
    assert indexes["ix_disposition_pending"] == ["status", "decided_at", "id"]
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    assert current_revision(db.engine) == head_revision()
