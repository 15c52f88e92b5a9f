"""Counting what people must do: a journey walked through the real app, tallied per person.

An *interaction* is a slash command, a shortcut, a button press or choice, or a form
submitted. A *navigation* is an interaction the bot made someone go looking for: a press on a
message in a conversation the person is not in (the NC card in the QMS channel, for an owner
who got a DM), or a command typing a record number the bot already knew (`/training status
TR-2026-0001`). Issue 18's targets are read off this tally.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.standin.sandbox import Sandbox
from bot.standin.simulate import Person

RECORD_NUMBER = re.compile(r"\b[A-Z]{2,4}-\d{4}-\d{4}\b")
WRAPPED = ("command", "click", "choose", "click_in_home", "submit", "shortcut", "message_shortcut")


@dataclass(frozen=True)
class Done:
    person: str
    kind: str
    where: str
    navigation: str | None  # why it was one, or None


class Journey:
    """Wraps a sandbox's simulator while in use (`with Journey(sb) as j:`) and tallies."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.done: list[Done] = []
        self._saved: dict[str, Callable[..., Any]] = {}

    def __enter__(self) -> Journey:
        for name in WRAPPED:
            original = getattr(self.sb.slack, name)
            self._saved[name] = original
            setattr(self.sb.slack, name, self._counting(name, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._saved.items():
            setattr(self.sb.slack, name, original)

    def _counting(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(person: Person, *args: Any, **kwargs: Any) -> Any:
            self.done.append(self._judge(name, person, args, kwargs))
            return original(person, *args, **kwargs)

        return counted

    def _judge(self, name: str, person: Person, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Done:
        if name == "command":
            typed = f"{args[0]} {args[1] if len(args) > 1 else kwargs.get('text', '')}".strip()
            number = RECORD_NUMBER.search(typed)
            return Done(person.id, "command", typed, f"typed {number.group(0)}" if number else None)
        if name in ("click", "choose"):
            message = kwargs.get("message") or {}
            channel = str(message.get("channel") or "")
            return Done(person.id, "press", channel or "?", self._elsewhere(person, channel))
        if name == "click_in_home":
            return Done(person.id, "press", "home", None)
        return Done(person.id, "submit" if name == "submit" else "shortcut", "modal" if name == "submit" else "", None)

    def _elsewhere(self, person: Person, channel: str) -> str | None:
        """Why pressing on a message in `channel` meant going somewhere, or None."""
        if not channel or channel == person.id or channel.startswith("D"):
            return None  # their own DM with the bot
        members = (self.sb.fake.channels.get(channel) or {}).get("members") or []
        if person.id in members:
            return None
        return f"went to a message in {channel}, a conversation they are not in"

    # --- the tally ---

    def tally(self) -> dict[str, tuple[int, int]]:
        """person id -> (interactions, navigations)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for done in self.done:
            counts[done.person][0] += 1
            counts[done.person][1] += done.navigation is not None
        return {person: (n, nav) for person, (n, nav) in counts.items()}

    def navigations(self) -> list[Done]:
        return [d for d in self.done if d.navigation]

    def table(self, names: dict[str, str]) -> str:
        """A Markdown table: person, interactions, navigations (and what they were)."""
        lines = ["| person | interactions | navigations |", "|---|---|---|"]
        for person, (n, nav) in self.tally().items():
            why = "; ".join(d.navigation or "" for d in self.done if d.person == person and d.navigation)
            lines.append(f"| {names.get(person, person)} | {n} | {nav}{f' ({why})' if why else ''} |")
        return "\n".join(lines)

    def between(self, start: int) -> list[Done]:
        """What was done since `start` (an index into `done`): one step's share of the journey."""
        return self.done[start:]
