"""The reads the digest, the Home tab and `/nc list mine` make, asked the way the indexes serve
them, return what the plain definition of each says: the same records, once, in the same order."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from storage import feedback as feedback_store
from storage import nonconformities as nc_store
from storage import reports
from storage.db import Database
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import NC_STATUSES, RESPONSE_STATES, CorrectiveAction, Feedback, Nonconformity

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
PEOPLE = ["U0ANNA", "U0BEN", "U0LENA"]


def fill(session: Session) -> None:
    """NCs in every status; people owning NCs and actions on them, often both on one NC and
    several actions on one NC (the duplicates a union of the two must not show twice)."""
    rng = random.Random(17)
    for i in range(1, 121):
        status = NC_STATUSES[i % len(NC_STATUSES)]
        session.add(
            Nonconformity(
                id=i,
                number=f"NC-2026-{i:04d}",
                title=f"Finding {i}",
                description="-",
                severity=rng.choice(["critical", "major", "minor", "observation"]),
                source="employee_report",
                process="Production",
                owner=rng.choice(PEOPLE),
                reporter=rng.choice(PEOPLE),
                due_date=TODAY + timedelta(days=rng.randint(-30, 30)),
                status=status,
                raised_at=NOW - timedelta(days=200 - i),
                updated_at=NOW,
                closed_at=NOW if status == "closed" else None,
            )
        )
    session.flush()
    for i in range(1, 241):
        session.add(
            CorrectiveAction(
                nc_id=rng.randint(1, 120),
                seq=i,
                submission=f"s{i}",
                kind="corrective",
                description="-",
                owner=rng.choice(PEOPLE),
                # Many on one day: the order is the due date, then the action.
                due_date=TODAY + timedelta(days=rng.randint(-5, 3)),
                status=rng.choice(["open", "open", "done"]),
                created_by=PEOPLE[0],
                created_at=NOW,
            )
        )
    for i in range(1, 91):
        kind = rng.choice(["complaint", "complaint", "compliment"])
        session.add(
            Feedback(
                number=f"FB-2026-{i:04d}",
                kind=kind,
                customer="Acme",
                received_via="email",
                text="-",
                received_on=TODAY - timedelta(days=i),
                logged_by=PEOPLE[0],
                logged_at=NOW,
                owner=rng.choice(PEOPLE) if kind == "complaint" else None,
                response=rng.choice(RESPONSE_STATES),
            )
        )
    session.commit()


@pytest.fixture
def filled(db: Database) -> Database:
    with db.session() as session:
        fill(session)
    return db


def everything(session: Session) -> tuple[list[Nonconformity], list[CorrectiveAction], list[Feedback]]:
    return (
        list(session.exec(select(Nonconformity))),
        list(session.exec(select(CorrectiveAction))),
        list(session.exec(select(Feedback))),
    )


@pytest.mark.parametrize("person", PEOPLE)
def test_the_ncs_involving_a_person_are_those_owned_or_with_an_open_action_once_newest_first(
    filled: Database, person: str
) -> None:
    with filled.session() as session:
        ncs, actions, _ = everything(session)
        acting = {a.nc_id for a in actions if a.owner == person and a.status == "open"}
        expected = sorted(
            (n.id for n in ncs if n.status in nc_store.ACTIVE and (n.owner == person or n.id in acting)),
            key=lambda i: -(i or 0),
        )
        both = [i for i in expected if i in acting and next(n for n in ncs if n.id == i).owner == person]
        assert both, "the data has NCs a person both owns and acts on"
        assert [n.id for n in nc_store.involving(session, person)] == expected


def test_overdue_actions_come_longest_overdue_first_a_page_of_them_and_their_count(filled: Database) -> None:
    with filled.session() as session:
        ncs, actions, _ = everything(session)
        active = {n.id for n in ncs if n.status in reports.ACTIVE}
        expected = sorted(
            (a.due_date, a.id) for a in actions if a.status == "open" and a.due_date < TODAY and a.nc_id in active
        )
        assert len({due for due, _ in expected}) < len(expected), "several fall due on one day"
        assert [(a.due_date, a.id) for a, _ in reports.overdue_actions(session, TODAY)] == expected
        page = reports.overdue_actions(session, TODAY, limit=5)
        assert [(a.due_date, a.id) for a, _ in page] == expected[:5]
        assert all(nc.id == a.nc_id for a, nc in page)
        assert reports.count_overdue_actions(session, TODAY) == len(expected)
        assert reports.count_overdue_actions(session, date(2000, 1, 1)) == 0


@pytest.mark.parametrize("person", PEOPLE)
def test_complaints_awaiting_a_person_and_the_open_ones_counted(filled: Database, person: str) -> None:
    with filled.session() as session:
        opened = feedback_store.open_complaints(session)
        # What the Home tab picked out of all open complaints before it asked for them.
        expected = [c.id for c in opened if c.owner == person and c.response == "received"]
        assert expected
        assert [c.id for c in feedback_store.complaints_awaiting(session, person)] == expected
        assert feedback_store.count_open_complaints(session) == len(opened)
        assert {c.response for c in opened} == {"received", "responded"}


def test_the_read_indexes_migrate_down_and_up_again(db: Database) -> None:
    config = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("corrective_action")}
    assert indexes["ix_corrective_action_due"] == ["status", "due_date"]
    assert "ix_nonconformity_severity" not in {i["name"] for i in inspect(db.engine).get_indexes("nonconformity")}
    upgrade(db.engine)
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    assert current_revision(db.engine) == head_revision()
