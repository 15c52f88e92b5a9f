"""Outbox keys, built and matched by one object per kind of message.

Each kind of message has one template, for example
`OWNER_REMINDER = Key("nc:{nc}:owner:{due:%Y%m%d}:{stage}")`. A nudge is enqueued under
`OWNER_REMINDER.key(nc=42, due=…, stage="due")` and cancelled with
`OWNER_REMINDER.prefix(nc=42)` ("nc:42:owner:"), so a key and the prefix that cancels it
are made by the same object and cannot drift apart. The keys are the outbox's unique
constraint: a template must never change once released, or queued nudges are sent again.
"""

from __future__ import annotations

from string import Formatter
from typing import Any

_FORMAT = Formatter()


class Key:
    def __init__(self, template: str) -> None:
        self.template = template
        # (literal text, field name, format spec) in order; the last may have no field.
        self._parts = [(text, name, spec) for text, name, spec, _ in _FORMAT.parse(template)]
        self.fields = [name for _, name, _ in self._parts if name]

    def key(self, **values: Any) -> str:
        missing = [name for name in self.fields if name not in values]
        if missing or set(values) - set(self.fields):
            raise TypeError(f"{self.template} takes {self.fields}, got {sorted(values)}")
        return self.template.format(**values)

    def prefix(self, **values: Any) -> str:
        """The start every key of this kind has for these leading fields (given in order)."""
        out = []
        for text, name, spec in self._parts:
            out.append(text)
            if not name or name not in values:
                break
            out.append(format(values[name], spec or ""))
        given = [name for name in self.fields if name in values]
        if given != self.fields[: len(given)] or set(values) - set(self.fields):
            raise TypeError(f"a prefix of {self.template} takes leading fields of {self.fields}, got {sorted(values)}")
        return "".join(out)

    def __repr__(self) -> str:
        return f"Key({self.template!r})"
