"""Block Kit as plain text, for the demo's transcript and for reading test failures."""

from __future__ import annotations

import re
from typing import Any

_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}

# The shortcodes the bot writes (grep ":[a-z_]+:" in bot/), as Slack draws them; any other
# code stays as typed, as Slack leaves a code it does not know.
EMOJI = {
    "alarm_clock": "⏰",
    "black_square_button": "🔲",
    "boom": "💥",
    "calendar": "📆",
    "chart_with_downwards_trend": "📉",
    "chart_with_upwards_trend": "📈",
    "checkered_flag": "🏁",
    "classical_building": "🏛️",
    "clipboard": "📋",
    "hammer_and_wrench": "🛠️",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "lock": "🔒",
    "mag": "🔍",
    "mega": "📣",
    "memo": "📝",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "package": "📦",
    "page_facing_up": "📄",
    "paperclip": "📎",
    "pushpin": "📌",
    "raising_hand": "🙋",
    "red_circle": "🔴",
    "repeat": "🔁",
    "rotating_light": "🚨",
    "scales": "⚖️",
    "shield": "🛡️",
    "speech_balloon": "💬",
    "straight_ruler": "📏",
    "tada": "🎉",
    "truck": "🚚",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "white_circle": "⚪",
    "x": "❌",
    "zzz": "💤",
}


def readable(text: str, names: dict[str, str] | None = None) -> str:
    """mrkdwn as a person sees it: mentions as names, links as their labels, entities decoded."""
    names = names or {}
    text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(
        r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>", lambda m: "#" + (m.group(2) or names.get(m.group(1), m.group(1))), text
    )
    text = re.sub(r"<!(channel|here|everyone)>", r"@\1", text)
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", text)  # a moment: its fallback, the org's time and zone
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r":([a-z_]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return re.sub(r"&(lt|gt|amp);", lambda m: _ENTITIES[m.group(0)], text)


def _text(obj: dict[str, Any] | None, names: dict[str, str]) -> str:
    return readable((obj or {}).get("text", ""), names) if obj else ""


def _element(element: dict[str, Any], names: dict[str, str]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind in (
        "static_select",
        "users_select",
        "multi_users_select",
        "datepicker",
        "conversations_select",
        "multi_conversations_select",
        "multi_static_select",
    ):
        initial = (
            element.get("initial_option", {}).get("text", {}).get("text")
            or element.get("initial_user")
            or element.get("initial_date")
        )
        return f"[{kind.replace('_', ' ')}: {initial or '…'}]"
    if kind == "plain_text_input":
        return f"[{element.get('initial_value') or '___'}]"
    return f"[{kind}]"


def _options(element: dict[str, Any]) -> dict[str, str]:
    """An element's option values -> their labels, option groups included."""
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    return {o["value"]: (o.get("text") or {}).get("text", o["value"]) for o in options}


def filled(element: dict[str, Any], value: Any, names: dict[str, str] | None = None) -> str:
    """What a person entered into an input, as the form shows it once filled in."""
    names = names or {}
    kind = element.get("type", "")
    if value is None or value == "" or value == []:
        return "—"
    values = value if isinstance(value, list) else [value]
    if kind.endswith("users_select"):
        shown = ["@" + names.get(str(v), str(v)) for v in values]
    elif kind.endswith("conversations_select") or kind.endswith("channels_select"):
        shown = ["#" + names.get(str(v), str(v)) for v in values]
    elif kind == "file_input":
        shown = [str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in values]
    elif "options" in element or "option_groups" in element:
        labels = _options(element)
        shown = [readable(labels.get(str(v), str(v)), names) for v in values]
    else:
        shown = [str(v) for v in values]
    return ", ".join(shown)


def _input(block: dict[str, Any], names: dict[str, str], values: dict[str, Any] | None) -> list[str]:
    optional = " (optional)" if block.get("optional") else ""
    label = f"  {_text(block.get('label'), names)}{optional}"
    if values is None:
        return [f"{label}: {_element(block['element'], names)}"]
    first, *more = filled(block["element"], values.get(block["block_id"]), names).splitlines() or ["—"]
    return [f"{label}: {first}"] + [f"      {line}" for line in more]


def render_blocks(
    blocks: list[dict[str, Any]], names: dict[str, str] | None = None, values: dict[str, Any] | None = None
) -> list[str]:
    """Blocks as lines of text; a form's inputs as their widgets, or with `values` (by block_id) as filled in."""
    names = names or {}
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), names)
            lines += [title.upper(), "=" * min(len(title), 60)]
        elif kind == "section":
            if block.get("text"):
                lines += _text(block["text"], names).splitlines()
            for field in block.get("fields", []):
                lines.append("  " + _text(field, names).replace("\n", ": ", 1))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"], names))
        elif kind == "context":
            lines.append("  " + " · ".join(_text(e, names) for e in block.get("elements", []) if e.get("text")))
        elif kind == "actions":
            lines.append("  " + "  ".join(_element(e, names) for e in block.get("elements", [])))
        elif kind == "input":
            lines += _input(block, names, values)
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            lines.append(f"  [image: {block.get('alt_text', '')}]")
    return lines


def render_message(text: str, blocks: list[dict[str, Any]] | None, names: dict[str, str] | None = None) -> list[str]:
    return render_blocks(blocks, names) if blocks else readable(text, names).splitlines()


def render_view(
    view: dict[str, Any], names: dict[str, str] | None = None, values: dict[str, Any] | None = None
) -> list[str]:
    """A modal as text: blank, or with `values` (by block_id) as the person filled it in."""
    title = _text(view.get("title"), names or {})
    footer = "  ".join(f"[{_text(view[k], names or {})}]" for k in ("close", "submit") if view.get(k))
    body = [part for line in render_blocks(view.get("blocks", []), names, values) for part in line.split("\n")]
    return [f"┌ {title}"] + [f"│ {line}" for line in body] + [f"└ {footer}"]
