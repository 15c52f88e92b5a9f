"""Block Kit elements and composition objects as Slack checks them (the half of `blockkit.py`
below the blocks).

Each check appends human-readable reasons, each starting with the path of the part at fault
(`blocks[3].elements[1].text`), to the list it is given. What slack_sdk's models check (their
JsonValidators: text, value, url, placeholder and action_id lengths, option and option-group
limits, confirm dialog lengths, overflow's 1..5 options) is run through `sdk_problems`; the rest
is written here: element types allowed per block, plain_text where only plain_text is allowed,
empty texts, required fields, 10 options for radio buttons and checkboxes, and Slack's
`<!date^…>` well formed and only in mrkdwn.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import BlockElement, ConfirmObject, Option, OptionGroup

Problems = list[str]

_SELECTS = {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
SELECTS = _SELECTS | {"multi_" + kind for kind in _SELECTS}
_CHOICES = {"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "timepicker"}
# Block Kit reference, "Compatible block elements" of each block.
ACTIONS_ELEMENTS = SELECTS | _CHOICES | {"workflow_button"}
SECTION_ACCESSORIES = SELECTS | (_CHOICES - {"datetimepicker"}) | {"image", "workflow_button"}
CONTEXT_ELEMENTS = {"image", "plain_text", "mrkdwn"}
INPUT_ELEMENTS = SELECTS | {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
}
# Elements whose options may only carry plain_text (radio buttons and checkboxes allow mrkdwn).
PLAIN_OPTIONS = {"static_select", "multi_static_select", "overflow"}
FEW_OPTIONS = {"radio_buttons": 10, "checkboxes": 10}
FILES_MAX = 10  # a file_input's max_files

logging.getLogger("slack_sdk.models").setLevel(logging.ERROR)  # "unknown element skipped" is ours to say


def sdk_problems(parse: Callable[[Any], Any], value: dict[str, Any], path: str, problems: Problems) -> None:
    """Build slack_sdk's model of `value` and run its JsonValidators (that object's own, not its parts')."""
    try:
        model = parse(copy.deepcopy(value))
    except (SlackObjectFormationError, TypeError, AttributeError, KeyError, ValueError) as exc:
        problems.append(f"{path}: malformed ({exc})")  # a shape the model cannot even build
        return
    if not isinstance(model, JsonObject):
        return
    # validate_json() stops at the first failing validator; each runs here so all are reported.
    for name in sorted(dir(type(model))):
        validator = getattr(model, name, None)
        if name.startswith("__") or not callable(validator) or not hasattr(validator, "validator"):
            continue
        try:
            validator()
        except SlackObjectFormationError as exc:
            problems.append(f"{path}: {exc}")
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            problems.append(f"{path}: malformed ({name}: {exc})")


def _first(parse_all: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Option and OptionGroup parse lists only: parse one as a list of one."""
    return lambda value: (parse_all([value]) or [None])[0]


def text_problems(
    text: Any, path: str, problems: Problems, *, plain: bool = False, required: bool = True, limit: int | None = None
) -> None:
    """A text object: plain_text or mrkdwn (only plain_text when `plain`), with 1..`limit` characters."""
    if text is None:
        if required:
            problems.append(f"{path}: is required")
        return
    if not isinstance(text, dict) or not isinstance(text.get("text"), str):
        problems.append(f"{path}: must be a text object with a string 'text'")
        return
    kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
    if text.get("type") not in kinds:
        problems.append(f"{path}: type must be {' or '.join(kinds)}, not {text.get('type')!r}")
    date_problems(text["text"], f"{path}.text", problems, plain=text.get("type") == "plain_text")
    if not text["text"]:
        problems.append(f"{path}.text: must be more than 0 characters")
    elif limit is not None and len(text["text"]) > limit:
        problems.append(f"{path}.text: {len(text['text'])} characters, more than {limit}")


# Slack's date formatting (api.slack.com/reference/surfaces/formatting#date-formatting):
# <!date^timestamp^token_string^optional_link|fallback_text>, the tokens below in the token
# string; mrkdwn only: plain_text shows the whole token as typed.
DATE_TOKENS = {
    "date_num",
    "date",
    "date_short",
    "date_long",
    "date_pretty",
    "date_short_pretty",
    "date_long_pretty",
    "time",
    "time_secs",
    "ago",
}
_DATE_START = re.compile(r"<!date\b")
_DATE = re.compile(r"<!date\^(?P<epoch>-?\d+)\^(?P<tokens>[^^|>]+)(?:\^(?P<link>[^|>]+))?\|(?P<fallback>[^>]*)>")
_TOKEN = re.compile(r"\{([^{}]*)\}")


def date_problems(text: str, path: str, problems: Problems, *, plain: bool) -> None:
    """Every `<!date^…>` in `text` well formed, with known tokens and a fallback; none in plain_text.

    Slack itself posts a malformed one and shows it garbled (or the bare fallback): refused
    here so that a test catches the mistake before a reader does."""
    starts = [m.start() for m in _DATE_START.finditer(text)]
    if not starts:
        return
    if plain:
        problems.append(f"{path}: <!date^…> is mrkdwn; plain_text shows it as typed")
        return
    for start in starts:
        found = _DATE.match(text, start)
        if found is None:
            problems.append(
                f"{path}: malformed date {text[start : start + 60]!r}: <!date^timestamp^tokens^link|fallback>"
            )
            continue
        tokens = _TOKEN.findall(found["tokens"])
        unknown = [t for t in tokens if t not in DATE_TOKENS]
        if not tokens or unknown:
            problems.append(f"{path}: date token string {found['tokens']!r} needs tokens from {sorted(DATE_TOKENS)}")
        if not found["fallback"].strip():
            problems.append(f"{path}: date {found.group(0)!r} has no fallback text")


def confirm_problems(confirm: Any, path: str, problems: Problems) -> None:
    if confirm is None:
        return
    if not isinstance(confirm, dict):
        problems.append(f"{path}: must be a confirm object")
        return
    for part in ("title", "confirm", "deny"):
        text_problems(confirm.get(part), f"{path}.{part}", problems, plain=True)
    text_problems(confirm.get("text"), f"{path}.text", problems)
    sdk_problems(ConfirmObject.parse, confirm, path, problems)


def _option_problems(option: Any, path: str, problems: Problems, *, plain: bool) -> None:
    if not isinstance(option, dict):
        problems.append(f"{path}: must be an option object")
        return
    text_problems(option.get("text"), f"{path}.text", problems, plain=plain)
    text_problems(option.get("description"), f"{path}.description", problems, plain=plain, required=False)
    if not isinstance(option.get("value"), str) or not option["value"]:
        problems.append(f"{path}.value: is required")
    sdk_problems(_first(Option.parse_all), option, path, problems)


def _options_problems(element: dict[str, Any], path: str, problems: Problems) -> None:
    kind = element.get("type", "")
    plain = kind in PLAIN_OPTIONS
    options = element.get("options")
    if options is not None:
        if not isinstance(options, list):
            problems.append(f"{path}.options: must be an array")
            return
        if kind in FEW_OPTIONS and len(options) > FEW_OPTIONS[kind]:
            problems.append(f"{path}.options: {len(options)} options, more than {FEW_OPTIONS[kind]} for {kind}")
        for i, option in enumerate(options):
            _option_problems(option, f"{path}.options[{i}]", problems, plain=plain)
    for g, group in enumerate(element.get("option_groups") or []):
        gpath = f"{path}.option_groups[{g}]"
        text_problems((group or {}).get("label"), f"{gpath}.label", problems, plain=True)
        for i, option in enumerate((group or {}).get("options") or []):
            _option_problems(option, f"{gpath}.options[{i}]", problems, plain=plain)
        sdk_problems(_first(OptionGroup.parse_all), group, gpath, problems)
    if element.get("initial_option") is not None:
        _option_problems(element["initial_option"], f"{path}.initial_option", problems, plain=plain)
    for i, option in enumerate(element.get("initial_options") or []):
        _option_problems(option, f"{path}.initial_options[{i}]", problems, plain=plain)


def element_problems(element: Any, path: str, allowed: set[str], where: str, problems: Problems) -> None:
    """One block element, of a type `allowed` in its block (`where` names the block for the reason)."""
    if not isinstance(element, dict):
        problems.append(f"{path}: an element must be an object")
        return
    kind = element.get("type")
    if kind not in allowed:
        problems.append(f"{path}: element type {kind!r} is not allowed in {where}")
        return
    if kind in ("plain_text", "mrkdwn"):  # a context block's text
        text_problems(element, path, problems)
        return
    if kind == "button":
        text_problems(element.get("text"), f"{path}.text", problems, plain=True)
    if "placeholder" in element:
        text_problems(element["placeholder"], f"{path}.placeholder", problems, plain=True)
    if kind in SELECTS | {"overflow", "radio_buttons", "checkboxes"}:
        _options_problems(element, path, problems)
    if kind == "file_input":
        _file_input_problems(element, path, problems)
    confirm_problems(element.get("confirm"), f"{path}.confirm", problems)
    sdk_problems(BlockElement.parse, element, path, problems)


def _file_input_problems(element: dict[str, Any], path: str, problems: Problems) -> None:
    """File input element reference: max_files 1..10 (default 10); filetypes an array of extensions."""
    most = element.get("max_files")
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= FILES_MAX):
        problems.append(f"{path}.max_files: must be a number from 1 to {FILES_MAX}, not {most!r}")
    kinds = element.get("filetypes")
    if kinds is not None and (not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds)):
        problems.append(f"{path}.filetypes: must be an array of file extensions")


def action_id_problems(elements: list[Any], path: str, problems: Problems) -> None:
    """action_id unique among the elements of one block."""
    seen: dict[str, int] = {}
    for i, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is None:
            continue
        if action_id in seen:
            problems.append(
                f"{path}[{i}]: action_id {action_id!r} repeats in this block (first at {path}[{seen[action_id]}])"
            )
        else:
            seen[action_id] = i
