"""From Slack: `/qms export`, delivered as a file through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.export.forms import parse_period
from bot.export.writer import write_workbook
from storage.db import Database

EXPORT_FILE = "evidence_export"  # the outbox attachment kind


def export_request(first: date | None, last: date | None, requested_by: str) -> dict[str, Any]:
    """The outbox attachment spec: the workbook is written when the row is sent."""
    return {
        "kind": EXPORT_FILE,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "requested_by": requested_by,
    }


def export_renderer(
    db: Database, settings: Any, clock: Any, everyone: Callable[[], dict[str, Any]] | None = None
) -> Callable[[dict[str, Any]], tuple[str, bytes, str]]:
    """Writes the workbook to a temporary file and hands its bytes to the upload.

    People are shown as "Name (U…)" from one paged users.list (`everyone`); should Slack
    not answer, the export goes out with the IDs alone rather than not at all.
    """
    import tempfile

    from slack_sdk.errors import SlackApiError

    def render(spec: dict[str, Any]) -> tuple[str, bytes, str]:
        today = clock.now().astimezone(settings.zone).date()
        period = parse_period(spec.get("first"), spec.get("last"), settings.zone, today, settings.risk_bands)
        try:
            people = everyone() if everyone else {}
        except (SlackApiError, OSError):
            people = {}
        name = f"qms-evidence-{today.isoformat()}.xlsx"
        with tempfile.TemporaryDirectory(prefix="qms-export-") as folder:
            path = Path(folder) / name
            write_workbook(db, path, period, name_of=lambda uid: people[uid].name if uid in people else uid)
            return name, path.read_bytes(), f"QMS evidence: {period.describe()}"

    return render
