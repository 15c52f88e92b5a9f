"""Block Kit as plain text, for the demo's transcript and for reading test failures."""

from __future__ import annotations

import re
from typing import Any

_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}


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


def render_blocks(blocks: list[dict[str, Any]], names: dict[str, str] | None = None) -> list[str]:
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
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"  {_text(block.get('label'), names)}{optional}: {_element(block['element'], names)}")
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            lines.append(f"  [image: {block.get('alt_text', '')}]")
    return lines


def render_message(text: str, blocks: list[dict[str, Any]] | None, names: dict[str, str] | None = None) -> list[str]:
    return render_blocks(blocks, names) if blocks else readable(text, names).splitlines()


def render_view(view: dict[str, Any], names: dict[str, str] | None = None) -> list[str]:
    title = _text(view.get("title"), names or {})
    footer = "  ".join(f"[{_text(view[k], names or {})}]" for k in ("close", "submit") if view.get(k))
    return [f"┌ {title}"] + [f"│ {line}" for line in render_blocks(view.get("blocks", []), names)] + [f"└ {footer}"]
