"""Safe text for Slack: escaping user text and respecting length limits.

Slack's mrkdwn only needs `&`, `<` and `>` escaped; escaping them is what stops user text
from pinging `<!channel>` or faking a `<https://…|link>`. Full HTML encoding would show
entities to readers, so we do exactly these three.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TRUNCATION_MARKER = "…"


def escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, marker: str = TRUNCATION_MARKER) -> str:
    """Cut `text` to at most `limit` characters, ending with a visible marker when cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return marker[:limit]
    cut = text[: limit - len(marker)]
    # Never leave half an escape sequence (`&am…`) behind: it would render as garbage.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < 5:
        cut = cut[:amp]
    return cut + marker


def safe(text: object, limit: int) -> str:
    """Escape user text and fit it into a Slack field of `limit` characters."""
    return truncate(escape(text), limit)


def user_mention(user_id: str) -> str:
    """A mention of a Slack user ID; IDs are checked so user text can never pass as one."""
    if not is_user_id(user_id):
        return escape(user_id)
    return f"<@{user_id}>"


def mention(recipient: str) -> str:
    """A user or channel reference Slack renders as a name; anything else is shown as text."""
    if is_user_id(recipient):
        return f"<@{recipient}>"
    if is_channel_id(recipient) and not recipient.startswith("D"):
        return f"<#{recipient}>"
    return escape(recipient)


def is_user_id(value: str) -> bool:
    return (
        isinstance(value, str)
        and len(value) >= 9
        and len(value) <= 20
        and value[0] in "UW"
        and value.isalnum()
        and value.upper() == value
    )


def is_usergroup_id(value: str) -> bool:
    return isinstance(value, str) and len(value) >= 9 and value[0] == "S" and value.isalnum() and value.isupper()


def is_channel_id(value: str) -> bool:
    return isinstance(value, str) and len(value) >= 9 and value[0] in "CGD" and value.isalnum() and value.isupper()


def unescape(text: str) -> str:
    """Slack's stored message text back to what the person typed (the three entities only)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(text: str, name_of: Callable[[str], str]) -> str:
    """mrkdwn made readable where Slack shows plain text only (a modal's field errors)."""
    text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: name_of(m.group(1)), text)
    text = re.sub(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>", lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", text)  # a moment: its fallback names the zone
    return unescape(text.replace("*", "").replace("`", ""))
