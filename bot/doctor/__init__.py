"""`qms-bot doctor`: checks a real installation against its real workspace, one line a check.

The Slack half (slack.py) asks Slack what the bot will ask it; the records half (records.py)
reads the database, its migrations, the outbox and the evidence store without changing them.
Exit 0 only when every check passes; a skipped check (a setting left unset) does not fail.
"""

from __future__ import annotations

from typing import TextIO

from bot.doctor.findings import Finding
from bot.doctor.records import record_findings
from bot.doctor.slack import configured_people, slack_findings
from bot.workspace.clock import Clock, SystemClock
from bot.workspace.config import Settings
from bot.workspace.slack import web_client

__all__ = ["Finding", "configured_people", "examine", "report"]


def examine(settings: Settings, clock: Clock | None = None) -> list[Finding]:
    """Every check's finding, Slack's first."""
    now = (clock or SystemClock()).now()
    return [*slack_findings(settings, web_client(settings)), *record_findings(settings, now)]


def report(settings: Settings, out: TextIO, clock: Clock | None = None) -> int:
    """Print one line a finding and a verdict; 0 when nothing failed, else 1."""
    findings = examine(settings, clock)
    for finding in findings:
        print(finding.line(), file=out)
    failed = [f for f in findings if f.failed]
    checked = [f for f in findings if f.outcome != "skip"]
    if failed:
        print(f"{len(failed)} of {len(checked)} checks failed: see what to do on each FAIL line above", file=out)
        return 1
    print(f"all {len(checked)} checks passed", file=out)
    return 0
