"""Live mentions and links the bot echoes from what people typed: the suite-wide escaping check.

Slack renders `<!channel>`, `<!here>`, `<!subteam^S…>`, `<@U…>`, `<#C…>` and `<https://…|…>` in
mrkdwn and in a message's top-level text; a person's `&`, `<` and `>` shown by the bot must
reach Slack as `&amp;`, `&lt;` and `&gt;` (bot/surfaces/mrkdwn.py), or the bot pings the
channel or shows a link of that person's choosing.

The simulator notes the text people typed (a slash command's text, a form's text answers, the
message a shortcut was used on, an event's text), both as Slack sent it and unescaped. The
fake Slack, the response_url and the simulator's acks then scan every surface the bot sends:
a live token found inside something typed is an unescaped echo. A bare mention (`<@U…>`,
`<#C…>`, `<!subteam^S…>`) is also what the bot builds from a users_select or a setting, so
there it counts only with the typed characters around it, or when it names nobody the
workspace knows. The tests' harness fails a test during which an echo was found.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

from bot.surfaces.mrkdwn import unescape

LIVE = re.compile(r"<(?:[!@#]|https?://|mailto:)[^<>]*>")
BARE = re.compile(r"<(?:@|#|!subteam\^)([A-Z0-9]+)>")
CONTEXT = 3  # typed characters either side of a bare mention that make it an echo

# (where it was sent, the live token, the text it was in)
Echo = tuple[str, str, str]
_TYPED: list[str] = []
_ECHOES: list[Echo] = []
_LOCK = threading.Lock()


def forget_typed() -> None:
    """A new test: what earlier tests typed no longer counts."""
    with _LOCK:
        _TYPED.clear()


def echoes() -> list[Echo]:
    """Every echo found in this process so far (oldest first)."""
    with _LOCK:
        return list(_ECHOES)


def note_typed(text: object) -> None:
    """Something a person typed, as Slack delivered it."""
    if not isinstance(text, str) or "<" not in text and "&lt;" not in text:
        return  # nothing in it can become a live token: the usual case costs one test
    with _LOCK:
        for form in {text, unescape(text)}:
            if form not in _TYPED:
                _TYPED.append(form)


def note_request(body: str, content_type: str) -> None:
    """A signed HTTP request as the simulator sends it (slash command, interaction or event)."""
    try:
        if "json" in content_type:
            note_payload(json.loads(body))
            return
        fields = {k: v[0] for k, v in parse_qs(body).items()}
        note_payload(json.loads(fields["payload"]) if "payload" in fields else fields)
    except (ValueError, KeyError, TypeError):
        return  # a malformed request on purpose: nothing typed to note


def note_payload(payload: Any) -> None:
    """The typed parts of a Slack payload: never the bot's own blocks it carries along."""
    if not isinstance(payload, dict):
        return
    if "command" in payload:
        note_typed(payload.get("text"))
    message = payload.get("message")
    if isinstance(message, dict) and not message.get("bot_id"):
        note_typed(message.get("text"))  # a person's message a shortcut was used on
    view = payload.get("view")
    if isinstance(view, dict):
        _note_state(view.get("state"))
    _note_state(payload.get("state"))
    event = payload.get("event")
    if isinstance(event, dict):
        note_typed(event.get("text"))
        if isinstance(event.get("message"), dict):
            note_typed(event["message"].get("text"))


def _note_state(state: Any) -> None:
    values = state.get("values") if isinstance(state, dict) else None
    for elements in values.values() if isinstance(values, dict) else []:
        for element in elements.values() if isinstance(elements, dict) else []:
            if isinstance(element, dict):
                note_typed(element.get("value"))
                for text in _strings(element.get("rich_text_value"), "text"):
                    note_typed(text)


def scan(where: str, surface: Any, known: Callable[[str], bool]) -> None:
    """Record every live token in `surface`'s mrkdwn that a person typed. `known(id)`: the
    workspace has this user, channel or user group."""
    with _LOCK:
        typed = list(_TYPED)
    if not typed or not isinstance(surface, dict):
        return
    found = []
    for text in _mrkdwn(where, surface):
        for match in LIVE.finditer(text):
            token = match.group()
            if _echoed(token, text, typed, known):
                found.append((where, token, text))
    if found:
        with _LOCK:
            _ECHOES.extend(found)


def _echoed(token: str, sent: str, typed: list[str], known: Callable[[str], bool]) -> bool:
    bare = BARE.fullmatch(token)
    for text in typed:
        at = text.find(token)
        while at != -1:
            if bare is None:
                return True
            end = at + len(token)
            before, after = text[max(0, at - CONTEXT) : end], text[at : end + CONTEXT]
            if (at > 0 and before in sent) or (end < len(text) and after in sent):
                return True
            if text == token and not known(bare.group(1)):
                return True
            at = text.find(token, at + 1)
    return False


def _mrkdwn(where: str, surface: dict[str, Any]) -> Iterator[str]:
    """The texts Slack renders as mrkdwn: a message's top-level text and every mrkdwn object."""
    if where.startswith("chat.") or where in ("response_url", "ack"):
        if isinstance(surface.get("text"), str):
            yield surface["text"]
    if isinstance(surface.get("initial_comment"), str):
        yield surface["initial_comment"]  # a file shared into a channel: its message
    for key in ("blocks", "view", "attachments"):
        yield from _mrkdwn_objects(surface.get(key))


def _mrkdwn_objects(node: Any) -> Iterator[str]:
    if isinstance(node, str) and node.startswith(("[", "{")):
        try:
            node = json.loads(node)  # blocks sent form-encoded
        except ValueError:
            return
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _mrkdwn_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _mrkdwn_objects(value)


def _strings(node: Any, key: str) -> Iterator[str]:
    """Every string under `key` in a nested structure (the text runs of a rich_text_value)."""
    if isinstance(node, dict):
        if isinstance(node.get(key), str):
            yield node[key]
        for value in node.values():
            yield from _strings(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, key)
