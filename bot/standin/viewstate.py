"""The `view.state.values` Slack sends with a modal's submission, from a test's answers.

An input the person left untouched is sent with its initial value (the bot's prefill), as
Slack does; an answered one with what was entered, in the shape its element type has.
"""

from __future__ import annotations

from typing import Any


def view_state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """State values by block_id and action_id: what the form opened with, then `answers`."""
    answers = {**opened_with(view), **answers}
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or block["block_id"] not in answers:
            continue
        element = block["element"]
        state[block["block_id"]] = {element["action_id"]: _state_value(element, answers[block["block_id"]])}
    return state


def opened_with(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack would submit for a form nobody touched: each input's initial value, by block_id."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        for key in ("initial_value", "initial_date", "initial_user", "initial_users", "initial_conversations"):
            if element.get(key) not in (None, "", []):
                values[block["block_id"]] = element[key]
        if element.get("initial_option"):
            values[block["block_id"]] = element["initial_option"]["value"]
        if element.get("initial_options"):
            values[block["block_id"]] = [o["value"] for o in element["initial_options"]]
    return values


def _state_value(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": answer}
    if kind in ("static_select", "external_select"):
        options = {o["value"]: o for o in element.get("options", [])}
        chosen = options.get(answer, {"text": {"type": "plain_text", "text": str(answer)}, "value": answer})
        return {"type": kind, "selected_option": None if answer is None else chosen}
    if kind == "users_select":
        return {"type": kind, "selected_user": answer}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(answer or [])}
    if kind == "multi_static_select":
        options = {o["value"]: o for o in element.get("options", [])}
        return {
            "type": kind,
            "selected_options": [
                options.get(v, {"text": {"type": "plain_text", "text": v}, "value": v}) for v in (answer or [])
            ],
        }
    if kind == "multi_conversations_select":
        return {"type": kind, "selected_conversations": list(answer or [])}
    if kind == "datepicker":
        return {"type": kind, "selected_date": answer}
    if kind == "number_input":
        return {"type": kind, "value": None if answer is None else str(answer)}
    if kind == "checkboxes":
        options = {o["value"]: o for o in element.get("options", [])}
        return {"type": kind, "selected_options": [options.get(v, {"value": v}) for v in (answer or [])]}
    if kind == "file_input":
        # The files the person dropped in (FakeSlack.add_file's objects), as Slack puts them.
        return {"type": kind, "files": [dict(f) for f in (answer or [])]}
    raise ValueError(f"the simulator cannot fill a {kind}")
