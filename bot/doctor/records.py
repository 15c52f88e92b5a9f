"""The records half of `qms-bot doctor`: the database and its migrations, the outbox, the
evidence store. Nothing here writes: the database is not migrated (that is `qms-bot
migrate`) and an SQLite file that is not there is not created."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.doctor.findings import Finding, fail, ok, skip
from bot.evidence import StoreUnavailable, open_store
from bot.workspace.config import Settings
from storage import outbox as rows
from storage.db import Database, missing_sqlite_file
from storage.migrate import alembic_config, current_revision, head_revision

# A running sender takes a row whose lease ran out again within seconds; one still lapsed
# this long after means no sender is running (or every one of them fails before it settles).
STUCK_AFTER = timedelta(minutes=10)


def record_findings(settings: Settings, now: datetime) -> list[Finding]:
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        return [
            fail(
                "database",
                f"there is no database at {missing.resolve()}: set DATABASE_URL to the bot's database, "
                "or create it with `qms-bot migrate`",
            ),
            skip("outbox", "needs the database"),
            _evidence(settings, None),
        ]
    db = Database(settings.database_url)
    try:
        found, at_head = _migrations(db, shown)
        findings = [
            found,
            _outbox(db, now) if at_head else skip("outbox", "needs the database at the latest migration"),
        ]
        findings.append(_evidence(settings, db))
    finally:
        db.dispose()
    return findings


def _migrations(db: Database, shown: str) -> tuple[Finding, bool]:
    try:
        current = current_revision(db.engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return fail("database", f"cannot reach {shown} ({reason}): check DATABASE_URL and that the server runs"), False
    head = head_revision()
    if current == head:
        return ok("database", f"{shown} is at the latest migration ({head})"), True
    if current is None:
        return fail("database", f"{shown} has no tables yet: run `qms-bot migrate`"), False
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}
    if current not in known:
        return fail(
            "database",
            f"{shown} is at migration {current}, which this qms-bot does not know: a newer version migrated it; "
            "run that version (or newer)",
        ), False
    return fail("database", f"{shown} is at migration {current}, behind {head}: run `qms-bot migrate`"), False


def _outbox(db: Database, now: datetime) -> Finding:
    try:
        with db.reading() as session:
            counts = rows.status_counts(session)
            stuck = rows.stuck_count(session, now - STUCK_AFTER)
            failures = rows.recent_failures(session, limit=1)
    except SQLAlchemyError as exc:
        return fail("outbox", f"could not be read ({str(getattr(exc, 'orig', exc)).strip().splitlines()[0]})")
    failed = counts.get("failed", 0)
    problems = []
    if failed:
        last = failures[0].last_error if failures else None
        problems.append(
            f"{failed} message(s) failed and will not be tried again"
            + (f" (the latest: {last})" if last else "")
            + "; a QMS manager sees them with `/qms outbox` in Slack"
        )
    if stuck:
        minutes = int(STUCK_AFTER.total_seconds() // 60)
        problems.append(
            f"{stuck} message(s) were claimed for sending more than {minutes} minutes ago and not sent: "
            "is `qms-bot run` running? A running bot takes them again; `/qms outbox` shows them"
        )
    if problems:
        return fail("outbox", "; ".join(problems))
    return ok("outbox", f"{counts.get('pending', 0)} message(s) waiting, none failed or stuck")


def _evidence(settings: Settings, db: Database | None) -> Finding:
    if settings.evidence_url is None:
        return ok("evidence store", "evidence files are kept in the database (QMS_EVIDENCE_URL is not set)")
    if db is None:
        return skip("evidence store", "needs the database")
    store = open_store(settings, db)
    try:
        store.check()
    except StoreUnavailable as exc:
        return fail("evidence store", str(exc))
    return ok("evidence store", f"{store.where} answers")
