"""One line of `qms-bot doctor`: a check, whether it passed, and on failure what to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["ok", "FAIL", "skip"]


@dataclass(frozen=True)
class Finding:
    outcome: Outcome
    check: str  # what was checked, e.g. "bot token", "QMS_CHANNEL"
    detail: str  # what was found; on a failure, also what to do

    @property
    def failed(self) -> bool:
        return self.outcome == "FAIL"

    def line(self) -> str:
        return f"{self.outcome:4}  {self.check}: {self.detail}"


def ok(check: str, detail: str) -> Finding:
    return Finding("ok", check, detail)


def fail(check: str, detail: str) -> Finding:
    return Finding("FAIL", check, detail)


def skip(check: str, detail: str) -> Finding:
    return Finding("skip", check, detail)
