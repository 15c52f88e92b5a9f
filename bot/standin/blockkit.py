"""Block Kit as Slack checks it: the reasons Slack would refuse a message's or a view's blocks.

`message_problems(args)` takes the arguments of chat.postMessage, chat.update or
chat.postEphemeral, or a response_url body; `view_problems(view)` takes a modal or Home tab
view for views.open/push/update/publish. Each returns human-readable reasons, each starting
with the path of the part at fault ("blocks[3].elements[1]: action_id 'nc_action_done' repeats
in this block"); empty when Slack would accept the surface.

Where the rules come from:
- slack_sdk's models (slack_sdk.models.blocks / .views): each block, element, option, option
  group, confirm object and the view is built as its model and that model's JsonValidators run
  (`blockkit_parts.sdk_problems`). They check: block_id and action_id at most 255; section text
  3000 and at most 10 fields; text or fields in a section; header 150; context 10 elements;
  actions 25 elements; button text 75, value 2000, url 3000; placeholder 150; option text 75
  and value 150; 100 options or option groups per select; overflow 1..5 options; confirm title
  100, text 300, confirm/deny 30; input label and hint 2000; modal title 1..24, submit and close
  24, private_metadata 3000, callback_id 255; no submit or close on a Home tab.
  The models check an object alone, not its parts, so each part is built and checked in turn.
- Written here (the models leave them out): block types allowed per surface; element types
  allowed per block; plain_text where only plain_text is allowed (header text, button text,
  placeholders, input labels and hints, modal title/submit/close, confirm title/confirm/deny,
  option text in static selects and overflow menus, option group labels); texts of at least one
  character; section field text 2000; 50 blocks in a message; required parts (a section's text
  or fields, an input's label and element, a modal's title, a submit on a modal with inputs,
  an actions or context block's elements, a header's text); block_id unique in a surface;
  action_id unique in a block; 10 options for radio buttons and checkboxes; Slack's date
  formatting `<!date^timestamp^tokens^optional_link|fallback>` well formed (known tokens, a
  fallback) and never in plain_text, in text objects and a message's own `text`.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.standin.blockkit_parts import (
    ACTIONS_ELEMENTS,
    CONTEXT_ELEMENTS,
    INPUT_ELEMENTS,
    SECTION_ACCESSORIES,
    Problems,
    action_id_problems,
    date_problems,
    element_problems,
    sdk_problems,
    text_problems,
)

# Block Kit reference, "Available in surfaces" of each block.
MESSAGE_BLOCKS = {
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "markdown",
    "rich_text",
    "section",
    "table",
    "video",
}
VIEW_BLOCKS = {"actions", "context", "divider", "header", "image", "input", "rich_text", "section", "video"}
MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
FIELD_MAX = 2000


def message_problems(args: dict[str, Any]) -> list[str]:
    """Why Slack would refuse the blocks of this message (attachments' blocks included)."""
    problems: Problems = []
    if isinstance(args.get("text"), str):  # a message's own text is mrkdwn
        date_problems(args["text"], "text", problems, plain=False)
    blocks = args.get("blocks")
    if blocks is not None:
        _surface_problems(blocks, "blocks", MESSAGE_BLOCKS, MESSAGE_MAX_BLOCKS, "a message", problems)
    attachments = args.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        problems.append("attachments: must be an array")
    for i, attachment in enumerate(attachments if isinstance(attachments, list) else []):
        if isinstance(attachment, dict) and attachment.get("blocks") is not None:
            path = f"attachments[{i}].blocks"
            _surface_problems(attachment["blocks"], path, MESSAGE_BLOCKS, MESSAGE_MAX_BLOCKS, "a message", problems)
    return problems


def view_problems(view: Any) -> list[str]:
    """Why Slack would refuse this modal or Home tab view."""
    if not isinstance(view, dict):
        return ["view: must be a view object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"view.type: must be 'modal' or 'home', not {kind!r}"]
    problems: Problems = []
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("view.blocks: is required")
    else:
        where = "a modal" if kind == "modal" else "a Home tab"
        _surface_problems(blocks, "view.blocks", VIEW_BLOCKS, VIEW_MAX_BLOCKS, where, problems)
    if kind == "modal":
        text_problems(view.get("title"), "view.title", problems, plain=True)
        for part in ("submit", "close"):
            text_problems(view.get(part), f"view.{part}", problems, plain=True, required=False)
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            problems.append("view.submit: is required on a modal with input blocks")
    else:
        _no_file_inputs(blocks, problems)
    if isinstance(blocks, list) and all(isinstance(b, dict) for b in blocks):
        sdk_problems(_view_model, view, "view", problems)
    return problems


def _no_file_inputs(blocks: Any, problems: Problems) -> None:
    """A file_input works in a modal's input block only (File input element reference)."""
    for i, block in enumerate(blocks if isinstance(blocks, list) else []):
        element = block.get("element") if isinstance(block, dict) else None
        if isinstance(element, dict) and element.get("type") == "file_input":
            problems.append(f"view.blocks[{i}].element: file_input is only allowed in a modal")


def _view_model(view: dict[str, Any]) -> View:
    """slack_sdk's View without its blocks: checked above, and its 1..100 refuses the empty view Slack takes."""
    model = View(**view)
    model.blocks = None  # type: ignore[assignment]  # slack_sdk types it a list; None skips its block check
    return model


def _surface_problems(blocks: Any, path: str, allowed: set[str], most: int, where: str, problems: Problems) -> None:
    if not isinstance(blocks, list):
        problems.append(f"{path}: must be an array of blocks")
        return
    if len(blocks) > most:
        problems.append(f"{path}: {len(blocks)} blocks, more than {most} in {where}")
    block_ids: dict[str, int] = {}
    for i, block in enumerate(blocks):
        bpath = f"{path}[{i}]"
        if not isinstance(block, dict):
            problems.append(f"{bpath}: a block must be an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id:
                problems.append(f"{bpath}.block_id: must be a non-empty string")
            elif block_id in block_ids:
                problems.append(
                    f"{bpath}: block_id {block_id!r} repeats in this surface (first at {path}[{block_ids[block_id]}])"
                )
            else:
                block_ids[block_id] = i
        kind = block.get("type")
        if kind not in allowed:
            problems.append(f"{bpath}: block type {kind!r} is not allowed in {where}")
            continue
        check = _BLOCK_CHECKS.get(kind)
        if check is not None:
            check(block, bpath, problems)
        sdk_problems(Block.parse, block, bpath, problems)


def _elements(block: dict[str, Any], path: str, allowed: set[str], where: str, problems: Problems) -> None:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        problems.append(f"{path}.elements: is required (at least one element)")
        return
    for i, element in enumerate(elements):
        element_problems(element, f"{path}.elements[{i}]", allowed, where, problems)
    action_id_problems(elements, f"{path}.elements", problems)


def _section(block: dict[str, Any], path: str, problems: Problems) -> None:
    fields = block.get("fields")
    text_problems(block.get("text"), f"{path}.text", problems, required=fields is None)
    if fields is not None:
        if not isinstance(fields, list) or not fields:
            problems.append(f"{path}.fields: must be a non-empty array")
        else:
            for i, field in enumerate(fields):
                text_problems(field, f"{path}.fields[{i}]", problems, limit=FIELD_MAX)
    if block.get("accessory") is not None:
        element_problems(block["accessory"], f"{path}.accessory", SECTION_ACCESSORIES, "a section accessory", problems)


def _header(block: dict[str, Any], path: str, problems: Problems) -> None:
    text_problems(block.get("text"), f"{path}.text", problems, plain=True)


def _actions(block: dict[str, Any], path: str, problems: Problems) -> None:
    _elements(block, path, ACTIONS_ELEMENTS, "an actions block", problems)


def _context(block: dict[str, Any], path: str, problems: Problems) -> None:
    _elements(block, path, CONTEXT_ELEMENTS, "a context block", problems)


def _input(block: dict[str, Any], path: str, problems: Problems) -> None:
    text_problems(block.get("label"), f"{path}.label", problems, plain=True)
    text_problems(block.get("hint"), f"{path}.hint", problems, plain=True, required=False)
    if block.get("element") is None:
        problems.append(f"{path}.element: is required")
    else:
        element_problems(block["element"], f"{path}.element", INPUT_ELEMENTS, "an input block", problems)


_BLOCK_CHECKS = {
    "section": _section,
    "header": _header,
    "actions": _actions,
    "context": _context,
    "input": _input,
}
