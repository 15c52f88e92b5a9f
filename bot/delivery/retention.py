"""Sent messages kept in full for QMS_OUTBOX_KEEP_DAYS, then slimmed (storage.outbox.archive_sent).

A sent nudge's text and blocks are needed while someone may still press its buttons or snooze
it; after that they only cost space (the outbox grows by every reminder ever sent). What the
bot still needs of an old message stays: its key, so the same nudge is never queued twice,
and who got it, for which record, where and when. What an auditor needs is on the trail.
"""

from __future__ import annotations

from datetime import timedelta

from bot.workspace.clock import Clock
from bot.workspace.config import Settings
from storage import outbox as rows
from storage.db import Database

BATCH = 500
# Each batch is its own short transaction; a run stops after this many and the next goes on,
# so the first run after an upgrade on a large outbox never holds the database for long.
MAX_BATCHES = 200


def archive_old_messages(db: Database, clock: Clock, settings: Settings) -> int:
    """Slim what was sent more than `outbox_keep_days` ago; how many messages were archived."""
    if settings.outbox_keep_days == 0:
        return 0
    now = clock.now()
    before = now - timedelta(days=settings.outbox_keep_days)
    archived = 0
    for _ in range(MAX_BATCHES):
        with db.session() as session:
            done = rows.archive_sent(session, before=before, now=now, limit=BATCH)
        archived += done
        if done < BATCH:
            break
    return archived
