"""What every feature's listeners share: reading a modal's answers, answering privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """The submitted value of each input block, keyed by block_id (None when left empty)."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state", {}).get("values") or {}).items():
        for element in elements.values():
            values[block_id] = _value(element)
    return values


def _value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "multi_conversations_select":
        return list(element.get("selected_conversations") or [])
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("checkboxes", "multi_static_select"):
        return [o.get("value") for o in element.get("selected_options") or []]
    return element.get("value")


def ephemeral(respond: Respond, text: str) -> None:
    """Answer only the person who acted, leaving the message they clicked as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)
