"""One family of errors for everything a person must be told instead of a result.

Each is answered in one place (`handlers.listeners`), in the surface the person used: a
modal field error, an ephemeral message, or a DM for a global shortcut or the Home tab.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class QmsError(Exception):
    """The request was not carried out; the message tells the person why and what to do."""


class NotAllowed(QmsError):
    """The person may not do this; the message says who may."""


class Refused(QmsError):
    """The step cannot be taken now (the record's state, a missing link); the message says why."""


class AlreadyDone(Refused):
    """Someone else took this step first (a double click, two people, a stale card)."""


class Invalid(QmsError):
    """A form's answers did not pass its checks: the message for each field, keyed by block_id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class Broken(QmsError, ValueError):
    """A button's value or a form's metadata names no record (mangled, forged or outdated);
    the listener's table entry says what the person is told instead."""


def valid(errors: dict[str, str], checked: T) -> T:
    """`checked` when `errors` is empty; else stop the submission with the errors shown in the form."""
    if errors:
        raise Invalid(errors)
    return checked
