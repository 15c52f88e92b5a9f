"""An external select's options as Slack asks for them: a `block_suggestion` payload sent
while the person types, answered in the ack with the options to show.

Slack shows nothing (and the person sees "no results") when the answer is not an object with
`options` (or `option_groups`) of at most 100 plain-text options, each text at most 75
characters and each value at most 150: such an answer is kept as a refusal, like any surface
the stand-in refuses, and the test that caused it fails.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.standin.blockkit_parts import Problems, text_problems

if TYPE_CHECKING:
    from bot.standin.simulate import Person, Simulator

MAX_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150


def answer_problems(answer: Any) -> Problems:
    """Why Slack would show none of an options answer; [] when it shows them."""
    if not isinstance(answer, dict):
        return ["the answer must be a JSON object with options"]
    problems: Problems = []
    options = answer.get("options")
    if options is None and answer.get("option_groups") is None:
        return ["the answer has neither options nor option_groups"]
    groups = [options] if options is not None else [g.get("options") for g in answer["option_groups"]]
    count = 0
    for g, group in enumerate(groups):
        if not isinstance(group, list):
            problems.append(f"options[{g}]: must be an array")
            continue
        count += len(group)
        for i, option in enumerate(group):
            path = f"options[{i}]"
            if not isinstance(option, dict):
                problems.append(f"{path}: must be an option object")
                continue
            text_problems(option.get("text"), f"{path}.text", problems, plain=True, limit=OPTION_TEXT)
            value = option.get("value")
            if not isinstance(value, str) or not value or len(value) > OPTION_VALUE:
                problems.append(f"{path}.value: 1 to {OPTION_VALUE} characters")
    if count > MAX_OPTIONS:
        problems.append(f"{count} options, more than {MAX_OPTIONS}")
    return problems


def suggest(sim: Simulator, person: Person, view: dict[str, Any], block_id: str, typed: str) -> list[dict[str, Any]]:
    """Type `typed` into the external select of `block_id` in an open modal; the options Slack shows."""
    block = next(b for b in view.get("blocks", []) if b.get("block_id") == block_id)
    element = block["element"]
    if element.get("type") != "external_select":
        raise ValueError(f"{block_id} holds a {element.get('type')}, not an external_select")
    if len(typed) < int(element.get("min_query_length", 3)):
        return []  # Slack asks only once this much is typed
    payload = {
        "type": "block_suggestion",
        "user": {"id": person.id, "username": person.name, "name": person.name, "team_id": "T0QMSDEMO1"},
        "container": {"type": "view", "view_id": view.get("id") or "V0MODAL001"},
        "api_app_id": "A0QMSDEMO1",
        "token": "legacy-verification-token",
        "action_id": element["action_id"],
        "block_id": block_id,
        "value": typed,
        "team": {"id": "T0QMSDEMO1", "domain": "qms-demo"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "id": view.get("id") or "V0MODAL001"},
        "action_ts": f"{time.time():.6f}",
    }
    response = sim._interactive(payload)
    answer = response.json() if response.content else None
    problems = [f"HTTP {response.status_code}"] if response.status_code != 200 else answer_problems(answer)
    if problems:
        sim.fake._refuse("block_suggestion", problems, {"block_id": block_id, "answer": answer})
        return []
    assert isinstance(answer, dict)
    options = answer.get("options")
    if options is None:
        options = [o for g in answer["option_groups"] for o in g["options"]]
    return list(options)
