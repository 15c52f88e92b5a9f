"""What every feature's listeners share: reading a modal's answers, answering privately."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import evidence
from bot.errors import Broken, valid
from bot.surfaces.mrkdwn import unescape
from bot.workspace import captures

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

Taken = TypeVar("Taken")


def command_text(command: dict[str, Any]) -> str:
    """What the person typed after the command. Slack sends it with &, < and > escaped; the
    bot escapes once where it shows text, so it is unescaped here, once, for every command."""
    return unescape(str(command.get("text") or "")).strip()


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """The submitted value of each input block, keyed by block_id (None when left empty)."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state", {}).get("values") or {}).items():
        for element in elements.values():
            values[block_id] = _value(element)
    return values


def _value(element: dict[str, Any]) -> Any:
    # Each kind's answer is checked for the type Slack sends: a forged or broken payload
    # then reads as a missing answer (which the form names), never as a crash.
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return _text(_option(element.get("selected_option")))
    if kind == "users_select":
        return _text(element.get("selected_user"))
    if kind == "multi_users_select":
        return _texts(element.get("selected_users"))
    if kind == "multi_conversations_select":
        return _texts(element.get("selected_conversations"))
    if kind == "datepicker":
        return _text(element.get("selected_date"))
    if kind == "file_input":
        files = element.get("files")
        # Slack's file objects; anything else in the list is not a file Slack gave.
        return (
            [f for f in files if isinstance(f, dict) and isinstance(f.get("id"), str)]
            if isinstance(files, list)
            else None
        )
    if kind in ("checkboxes", "multi_static_select"):
        options = element.get("selected_options")
        return _texts([_option(o) for o in options] if isinstance(options, list) else None)
    return _typed(element.get("value"))


# Characters that show nothing: zero-width space, non-joiner and joiner, word joiner, BOM, soft hyphen.
_BLANK = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]*")


def _typed(value: Any) -> str | None:
    """What was typed; text made only of spaces and invisible characters counts as nothing
    typed, so the form says the field is empty rather than keeping a title nobody can see."""
    text = _text(value)
    return "" if text is not None and _BLANK.fullmatch(text) else text


def _option(option: Any) -> Any:
    return option.get("value") if isinstance(option, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _texts(values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def take_with_files(
    ack: Ack,
    values: dict[str, Any],
    user: str,
    take: Callable[[], Taken],
    keep: Callable[[Taken, list[evidence.Offered]], object],
) -> Taken:
    """A form that takes evidence files (`bot.evidence.files_input`): the files checked first,
    so a file over Slack's limits is a field error on the files input while the form is open;
    then the step taken and the form answered; then the files kept (`keep(what take
    returned, the files)`, with the record and step they are evidence of), after the answer
    because downloading them may take longer than the 3 seconds Slack waits."""
    offered = valid(*evidence.check_files(values.get(evidence.FILES_BLOCK), user))
    taken = take()
    ack()
    if offered:
        keep(taken, offered)
    return taken


def kept_with(
    ctx: Context, record_type: str, user: str, where: Callable[[Taken], tuple[str, str]]
) -> Callable[[Taken, list[evidence.Offered]], evidence.Kept]:
    """How `take_with_files` keeps a record's files: `where(what was taken)` is the record, as
    its trail names it, and the step the files are evidence of."""
    return lambda taken, files: evidence.keep(ctx, evidence.Attaching(record_type, *where(taken), user), files)


MAX_ID = 2**31 - 1  # the ids are INTEGER columns: a bigger number can name no record


def record_id(value: Any) -> int:
    """A record id from a button's value or a form's metadata; Broken unless it can be one."""
    try:
        number = int(str(value))
    except ValueError:
        raise Broken(f"{value!r} is no record id") from None
    if not 1 <= number <= MAX_ID:
        raise Broken(f"no record has id {number}")
    return number


def drawn_id(value: Any) -> tuple[int, int | None]:
    """A state-changing button's value, `<id>@<version>`: the record and the version it was
    drawn for (bot.delivery.versions). Buttons on messages posted before buttons carried a
    version hold the plain id: it is still accepted, with None for the version, and acts as
    it did then, on the record's state alone (as decision 46 kept the plain action ids)."""
    raw_id, at, raw_version = str(value).partition("@")
    if not at:
        return record_id(raw_id), None
    return record_id(raw_id), record_id(raw_version)


def origin_ids(view: dict[str, Any], *names: str) -> tuple[int | None, ...]:
    """Record IDs a form carries in its private_metadata (JSON); None for each one missing or odd."""
    try:
        origin = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        origin = {}
    if not isinstance(origin, dict):
        origin = {}
    return tuple(_id_or_none(origin.get(n)) for n in names)


def _id_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


def clicked_message(body: dict[str, Any]) -> tuple[str, str] | None:
    """The (channel, ts) of the message whose button or select was used; None for an
    ephemeral message or the Home tab, which cannot be changed with chat.update."""
    container = body.get("container") or {}
    if (
        container.get("type") != "message"
        or container.get("is_ephemeral")
        or not container.get("channel_id")
        or not container.get("message_ts")
    ):
        return None
    return container["channel_id"], container["message_ts"]


def origin_message(view: dict[str, Any]) -> tuple[str, str] | None:
    """The (channel, ts) of the message a form was opened from (its metadata's "clicked")."""
    try:
        origin = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    where = origin.get("clicked") if isinstance(origin, dict) else None
    if isinstance(where, list) and len(where) == 2 and all(isinstance(x, str) for x in where):
        return where[0], where[1]
    return None


def ephemeral(respond: Respond, text: str) -> None:
    """Answer only the person who acted, leaving the message they clicked as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def teller(respond: Respond) -> Callable[[str], None]:
    return lambda text: ephemeral(respond, text)


def answerer(body: dict[str, Any], respond: Respond | None, client: WebClient) -> Callable[[str], None]:
    """How to answer the person who acted: privately where they acted, or by DM where Slack
    gives no response URL (the Home tab, a global shortcut)."""
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        return teller(respond)
    user = body["user"]["id"]

    def by_dm(text: str) -> None:
        try:
            client.chat_postMessage(channel=user, text=text)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user, exc.response.get("error"))

    return by_dm


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any], tell: Callable[[str], Any]) -> bool:
    """Open a modal; if Slack refuses (a trigger is good for 3 seconds, once), say so."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
        return True
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        tell("Slack did not open the form in time. Please try once more.")
        return False


def open_form_from_button(
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    make_view: Callable[[], dict[str, Any]],
    refusals: tuple[type[Exception], ...],
    broken: str,
) -> None:
    """A button that opens a form: build it (the server checks who may, and that it is still
    to do), then open it; a refusal or a mangled button value is told to the person."""
    tell = answerer(body, respond, client)
    try:
        view = make_view()
    except ValueError:
        tell(broken)
        return
    except refusals as refused:
        tell(str(refused))
        return
    open_modal(client, body["trigger_id"], view, tell)


def open_from_message(
    ctx: Context,
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    view_for: Callable[[str | None, int | None], dict[str, Any]],
) -> None:
    """A message shortcut: copy the message, open the form, then fetch the message's link.

    `view_for(text as typed, capture id)` builds the form; the text is None when the message
    is from a private conversation: that form is not filled from it and says so. The copy and
    whether Slack calls the conversation public are stored before the modal opens (the copy's
    id rides in the form); the permalink waits until the modal is up.
    """
    message = body.get("message") or {}
    capture = captures.capture_message(ctx, user=body["user"]["id"], channel=body["channel"]["id"], message=message)
    typed = unescape(str(message.get("text") or "")).strip() if capture.public else None
    if open_modal(client, body["trigger_id"], view_for(typed, capture.id), teller(respond)):
        captures.complete_capture(ctx, capture)
