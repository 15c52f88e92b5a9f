"""Block Kit for competence by role: the requirement form, the matrix, the Home and digest lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.competence.forms import RENEWALS
from bot.registry import Callback
from bot.surfaces.blocks import (
    Reply,
    capped_lines,
    context,
    header,
    input_block,
    modal,
    multi_channels_select,
    multi_static_select,
    section,
    static_select,
)
from bot.surfaces.mrkdwn import mention, safe

DONE, DUE, EXPIRED, NOT_ASKED, NO_ROUND = "done", "due", "expired", "not asked", "no round"
GAPS = (DUE, EXPIRED, NOT_ASKED, NO_ROUND)


@dataclass
class Held:
    """Where one person stands on one required document."""

    doc_ref: str
    state: str  # DONE, DUE, EXPIRED, NOT_ASKED or NO_ROUND
    on: date | None = None  # acknowledged (done), due by (due), expired on (expired)
    renew_by: date | None = None  # done, with a renewal: when it expires


@dataclass
class RoleStanding:
    role_id: str
    role_name: str
    documents: list[str]
    renew_months: int | None
    people: dict[str, list[Held]] = field(default_factory=dict)  # person -> one Held per document
    unreadable: bool = False  # Slack would not list the role's members

    def gaps(self) -> int:
        return sum(1 for held in self.people.values() for h in held if h.state in GAPS)


def role_text(role_id: str, role_name: str) -> str:
    """A role as mrkdwn: a channel as Slack's link to it, a user group by its name, escaped."""
    if role_id[:1] in ("C", "G"):
        return f"<#{role_id}>"
    return safe(role_name, 100)


def require_modal(groups: list[tuple[str, str]], documents: list[str]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        context(
            "Members of the role get each document's current revision to acknowledge now, and whoever joins later gets it when they join."
        ),
        input_block(
            "groups",
            "User groups",
            multi_static_select("value", groups, placeholder="Choose user groups"),
            optional=True,
        ),
        input_block("channels", "Or channels (their members)", multi_channels_select("value"), optional=True),
        input_block(
            "documents",
            "Documents and trainings needed",
            multi_static_select("value", [(d, d) for d in documents], placeholder="Choose documents"),
        ),
        input_block("renew", "Renew", static_select("value", RENEWALS, initial="0")),
    ]
    return modal(Callback.COMPETENCE_REQUIRE, "Competence by role", blocks, submit="Save")


def nothing_to_require() -> str:
    return (
        "There is nothing to require yet: publish a training (`/training new`) or register a document "
        "(`/doc add`) first, then `/training require`."
    )


def _held(h: Held) -> str:
    ref = safe(h.doc_ref, 40)
    if h.state == DONE:
        renew = f", renew by {h.renew_by:%d %b %Y}" if h.renew_by else ""
        return f"{ref} :white_check_mark: {h.on:%d %b %Y}{renew}" if h.on else f"{ref} :white_check_mark:"
    if h.state == DUE:
        return f"{ref} *due* {h.on:%d %b}" if h.on else f"{ref} *due*"
    if h.state == EXPIRED:
        return f"{ref} *expired* {h.on:%d %b %Y}" if h.on else f"{ref} *expired*"
    return f"{ref} _{h.state}_"


def role_lines(standing: RoleStanding, name_of: Any) -> list[str]:
    if standing.unreadable:
        return ["Slack would not list this role's members (invite the bot to the channel, or check usergroups:read)."]
    if not standing.people:
        return ["Nobody holds this role yet."]
    return [
        f"{safe(name_of(person), 80)}: " + " · ".join(_held(h) for h in held)
        for person, held in sorted(standing.people.items(), key=lambda kv: name_of(kv[0]).casefold())
    ]


def matrix(standings: list[RoleStanding], name_of: Any) -> list[dict[str, Any]]:
    """Per role and person: what is required, done, due and expired (the 7.2 evidence)."""
    if not standings:
        return [context("No competence requirements yet: `/training require` says which roles need which documents.")]
    blocks: list[dict[str, Any]] = [header("Competence by role")]
    for s in standings[:20]:
        renew = f" · renewed every {s.renew_months} months" if s.renew_months else ""
        title = f"*{role_text(s.role_id, s.role_name)}* needs {', '.join(safe(d, 40) for d in s.documents)}{renew} · gaps: *{s.gaps()}*"
        blocks.append(section(title + "\n" + capped_lines(role_lines(s, name_of), 2700, max_lines=30)))
    return blocks


def gaps_line(standings: list[RoleStanding]) -> str:
    """One line for Home and the digest: how many required acknowledgements are missing, by kind."""
    counts = {state: 0 for state in GAPS}
    for s in standings:
        for held in s.people.values():
            for h in held:
                if h.state in counts:
                    counts[h.state] += 1
    total = sum(counts.values())
    if not total:
        return "*Competence by role*: no gaps"
    parts = [f"{n} {state}" for state, n in counts.items() if n]
    return f"*Competence by role*: *{total}* gaps ({', '.join(parts)}) — `/training matrix`"


def joined_note(person: str, role: str, numbers: list[str]) -> str:
    """`role`: already mrkdwn (role_text)."""
    return f"{mention(person)} joined {role}: asked to acknowledge {', '.join(numbers)}."


def saved(requirement_count: int, asked: int) -> Reply:
    text = (
        f":white_check_mark: {requirement_count} requirement{'s' if requirement_count != 1 else ''} saved; "
        f"{asked} acknowledgement request{'s' if asked != 1 else ''} sent to members who did not have them. "
        "`/training matrix` shows where everyone stands."
    )
    return Reply(text)
