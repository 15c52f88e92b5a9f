"""Block Kit builders: pure functions from values to blocks, each respecting Slack's limits.

Callers pass already-escaped mrkdwn (see bot.surfaces.mrkdwn.safe) or plain text; builders only
cut to length, with a visible marker, so a long record never makes a Slack call fail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.surfaces.mrkdwn import truncate
from bot.surfaces.words import plural

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
MAX_FIELDS = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_ELEMENTS = 10
ACTION_ELEMENTS = 25
MAX_OPTIONS = 100
OPTION_TEXT = 75
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
PLACEHOLDER = 150


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(
    text: str | None, *, fields: list[str] | None = None, accessory: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A section; `text` may be None when `fields` carry the content."""
    block: dict[str, Any] = {"type": "section"}
    if text is not None or not fields:
        block["text"] = mrkdwn(text or "")
    if fields:
        block["fields"] = [mrkdwn(f, FIELD_TEXT) for f in fields[:MAX_FIELDS]]
    if accessory:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(t, SECTION_TEXT) for t in texts[:CONTEXT_ELEMENTS]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    url: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if len(value) > BUTTON_VALUE:
        raise ValueError("a button value is at most 2000 characters; store the data and pass its id")
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str = "Not now") -> dict[str, Any]:
    """Slack's own "are you sure?" dialog on a button (title, yes and no: 24 characters)."""
    return {
        "title": plain(title, VIEW_TITLE),
        "text": mrkdwn(text, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }


def users_select(action_id: str, *, initial: str | None = None, placeholder: str = "Choose a person") -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "users_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
    }
    if initial:
        element["initial_user"] = initial
    return element


def multi_users_select(action_id: str, *, placeholder: str = "Choose people") -> dict[str, Any]:
    return {"type": "multi_users_select", "action_id": action_id, "placeholder": plain(placeholder, PLACEHOLDER)}


def multi_channels_select(action_id: str, *, placeholder: str = "Choose channels") -> dict[str, Any]:
    """Public and private channels (not DMs): their members at publish time."""
    return {
        "type": "multi_conversations_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }


def multi_static_select(
    action_id: str, options: list[tuple[str, str]], *, placeholder: str = "Choose"
) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
        "options": [option(text, value) for text, value in options[:MAX_OPTIONS]],
    }


def checkboxes(action_id: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "action_id": action_id,
        "options": [option(text, value) for text, value in options[:10]],
    }


def datepicker(action_id: str, *, initial: date | None = None, placeholder: str = "Choose a date") -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "datepicker",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
    }
    if initial:
        element["initial_date"] = initial.isoformat()
    return element


def actions(block_id: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id, "elements": elements[:ACTION_ELEMENTS]}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT), "value": value}


def static_select(
    action_id: str, options: list[tuple[str, str]], *, initial: str | None = None, placeholder: str = "Choose"
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
        "options": [option(text, value) for text, value in options[:MAX_OPTIONS]],
    }
    if initial is not None:
        chosen = [o for o in element["options"] if o["value"] == initial]
        if chosen:
            element["initial_option"] = chosen[0]
    return element


def text_input(
    action_id: str,
    *,
    multiline: bool = False,
    max_length: int = 3000,
    initial: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER)
    return element


def file_input(action_id: str, *, max_files: int = 10, filetypes: list[str] | None = None) -> dict[str, Any]:
    """Slack's file_input (modals only; the app needs files:read): up to `max_files` (1..10)."""
    element: dict[str, Any] = {"type": "file_input", "action_id": action_id, "max_files": max_files}
    if filetypes:
        element["filetypes"] = list(filetypes)
    return element


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, INPUT_LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, INPUT_LABEL)
    return block


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict[str, Any]],
    *,
    submit: str | None = "Submit",
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    if len(private_metadata) > PRIVATE_METADATA:
        raise ValueError("private_metadata is at most 3000 characters; store the data and pass its id")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, VIEW_TITLE),
        "close": plain(close, VIEW_TITLE),
        "blocks": cap_blocks(blocks, MAX_VIEW_BLOCKS),
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, VIEW_TITLE)
    return view


def home(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """An App Home tab (100 blocks at most)."""
    return {"type": "home", "blocks": cap_blocks(blocks, MAX_VIEW_BLOCKS)}


def cap_blocks(blocks: list[dict[str, Any]], limit: int = MAX_MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """Keep within `limit` blocks, replacing the overflow with a line that counts it."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    return kept + [context(f"… and {len(blocks) - len(kept)} more not shown")]


def capped_lines(
    lines: list[str], limit: int = SECTION_TEXT, *, max_lines: int | None = None, total: int | None = None
) -> str:
    """Join lines into one mrkdwn text that fits `limit`, counting the lines left out
    (of `total`, when `lines` is only the first page of them)."""
    shown: list[str] = []
    total = max(len(lines), total or 0)
    for index, line in enumerate(lines):
        if max_lines is not None and index >= max_lines:
            break
        rest = total - index - 1
        tail = f"\n… and {rest} more" if rest else ""
        candidate = "\n".join(shown + [line])
        if len(candidate) + len(tail) > limit and shown:
            break
        shown.append(truncate(line, limit - 40))
    left = total - len(shown)
    text = "\n".join(shown)
    if left:
        text += f"\n… and {left} more"
    return text


class Reply:
    """An answer to a person: fallback text (notifications, screen readers) and blocks."""

    def __init__(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self.text = truncate(text, SECTION_TEXT)
        self.blocks = cap_blocks(blocks) if blocks else [section(self.text)]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def day_text(day: date) -> str:
    """A date as people read it on a card: Tue 01 Dec 2026."""
    return f"{day:%a %d %b %Y}"


def due_text(due: date, today: date, active: bool = True) -> str:
    """A due date and how far off it is (in 3 days, due today, 2 days overdue)."""
    text = day_text(due)
    if not active:
        return text
    days = (due - today).days
    if days < 0:
        return f"{text} · *{plural(-days, 'day')} overdue*"
    if days == 0:
        return f"{text} · *due today*"
    return f"{text} · in {plural(days, 'day')}"
