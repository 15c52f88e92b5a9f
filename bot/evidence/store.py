"""Where evidence files' bytes are kept: the database (the default) or an S3-compatible
bucket (QMS_EVIDENCE_URL=s3://bucket/prefix). Either way each file is kept once, under its
SHA-256, and nothing kept is ever overwritten or deleted by the bot (7.5.3).

The store is built once, with the Context (`bot.app.build_context`); the CLI builds its own
for `verify-trail` and `export --with-files`. Who keeps a file, who checks it and who
exports it ask the store, so verify-trail finds a file changed or missing in a bucket too.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from bot.workspace.clock import Clock, SystemClock
from bot.workspace.config import Settings
from bot.workspace.config_checks import evidence_location
from storage import evidence as rows
from storage.db import Database


class StoreUnavailable(Exception):
    """The store did not answer as a store should (unreachable, access denied, no bucket):
    one line saying what to check, never taken for a file that is missing."""


class EvidenceStore(Protocol):
    name: str  # "the database", "s3://bucket/prefix"

    @property
    def where(self) -> str:
        """What `qms-bot check` shows: the store, and for a bucket the endpoint boto3 chose."""
        ...

    def put(self, sha256: str, content: bytes) -> bool:
        """Keep the bytes under their hash unless they are kept already; whether they were new."""
        ...

    def get(self, sha256: str) -> bytes | None:
        """The bytes kept under the hash, as they are now; None if there are none."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def locate(self, sha256: str) -> str:
        """Where the bytes of this hash are, for a person to look (a table and key, an s3:// URL)."""
        ...

    def check(self) -> None:
        """Raise StoreUnavailable unless the store can be used (run at start-up)."""
        ...


def named_by(sha256: str, content: bytes) -> None:
    """Refuse bytes offered under a hash that is not theirs: the key is the file's identity."""
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ValueError(f"the bytes offered under {sha256} have another SHA-256")


class DatabaseStore:
    """The bytes in the table evidence_content, beside the records: one backup holds both."""

    name = "the database"
    where = "the database (table evidence_content)"

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def put(self, sha256: str, content: bytes) -> bool:
        named_by(sha256, content)
        # A transaction of its own: the trail's chain lock is not held while 10 MB commit.
        with self.db.session() as session:
            return rows.keep_content(session, sha256, content, self.clock.now())

    def get(self, sha256: str) -> bytes | None:
        with self.db.read() as session:
            return rows.content(session, sha256)

    def exists(self, sha256: str) -> bool:
        with self.db.read() as session:
            return rows.has_content(session, sha256)

    def locate(self, sha256: str) -> str:
        return f"evidence_content {sha256}"

    def check(self) -> None:
        """Nothing to check: the database was reached when it was migrated."""


def open_store(settings: Settings, db: Database, clock: Clock | None = None) -> EvidenceStore:
    """The store QMS_EVIDENCE_URL names (checked by the settings), without reaching it yet."""
    if settings.evidence_url is None:
        return DatabaseStore(db, clock)
    from bot.evidence.s3 import S3Store  # boto3 is imported only by those who use a bucket

    bucket, prefix = evidence_location(settings.evidence_url)
    return S3Store(bucket, prefix)
