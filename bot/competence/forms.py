"""The competence requirement form and its checks: which roles need which documents, how often."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RENEWALS = [
    ("No renewal", "0"),
    ("Every 6 months", "6"),
    ("Every year", "12"),
    ("Every 2 years", "24"),
    ("Every 3 years", "36"),
]
MAX_DOCUMENTS = 20  # one form; a role needing more is set up in two goes


@dataclass
class Requirement:
    groups: list[str]  # user group IDs (S…)
    channels: list[str]  # channel IDs (C…)
    documents: list[str]  # document references as offered
    renew_months: int | None


def check_requirement(values: dict[str, Any], offered: set[str]) -> tuple[dict[str, str], Requirement | None]:
    """`offered`: the document references the form listed (anything else was not offered)."""
    errors: dict[str, str] = {}
    groups = [g for g in values.get("groups") or [] if isinstance(g, str) and g.startswith("S")]
    channels = [c for c in values.get("channels") or [] if isinstance(c, str) and c[:1] in ("C", "G")]
    if not groups and not channels:
        errors["groups"] = "Choose the role: a user group, or a channel whose members hold it."
    documents = list(dict.fromkeys(values.get("documents") or []))
    if not documents:
        errors["documents"] = "Choose the documents or trainings the role needs."
    elif any(d not in offered for d in documents):
        errors["documents"] = "Choose the documents from the list."
    elif len(documents) > MAX_DOCUMENTS:
        errors["documents"] = f"Choose at most {MAX_DOCUMENTS} documents at a time."
    raw = values.get("renew") or "0"
    months = int(raw) if raw.isdigit() and raw in {v for _, v in RENEWALS} else -1
    if months < 0:
        errors["renew"] = "Choose how often it must be renewed (or no renewal)."
    if errors:
        return errors, None
    return {}, Requirement(groups, channels, documents, months or None)
