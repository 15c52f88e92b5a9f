"""Files in a Slack message kept as evidence: the "Attach files as evidence" message shortcut.

The file objects a shortcut's payload carries (`message.files`) are not trusted: only their IDs
are read, and their names and sizes only to list them while Slack is asked. files.info then
says what each file is, who uploaded it, and whether the bot may read it at all: it reads
files only in conversations it has been added to (files:read), so a file in a direct message
between people, or in a private channel without the bot, is answered with what to do.
Keeping them is `keep`, as for a form's files, which asks files.info again.

Which records a person may attach files to is their process's business (the NC process for
NCs): this module shows the choices it is given and hands back the one chosen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.delivery.outbox import Nudge, enqueue
from bot.evidence.blocks import size_text
from bot.evidence.forms import FILES_MAX, SIZE_MAX, Offered, megabytes
from bot.evidence.rules import Kept
from bot.registry import Callback
from bot.surfaces.blocks import capped_lines, context, input_block, modal, section, static_select, text_input
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace import captures

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

RECORD_BLOCK = "record"
TYPED_BLOCK = "record_typed"
STEP_BLOCK = "step"
FROM_MESSAGE = ", from a message"  # after the step: the file came from a message, after the fact
NAME_CARRIED = 60  # characters of each name the form's metadata carries (for "not kept" lines)
FILE_ID = re.compile(r"^F[A-Z0-9]{2,31}$")
# files.info's answer for a file the bot may not read, as for one that does not exist.
UNREADABLE = {"file_not_found", "access_denied", "not_visible", "file_not_shared"}
PRIVATE_NOTE = (
    ":lock: This message is in a private conversation. Only the files you keep are taken from it, never "
    "the message; the record then shows their names and sizes to everyone who reads it, as any evidence."
)
WHAT_TO_DO = (
    "The bot reads files only in conversations it has been added to. In a channel, add the bot "
    "(`/invite @qms`) and use the shortcut again; from a direct message between people, share the "
    "file in a channel the bot is in (or in your DM with the bot) and use the shortcut there."
)


@dataclass(frozen=True)
class Choices:
    """The records a person may attach files to, as the record's process offers them."""

    options: list[tuple[str, str]]  # (label, reference), most relevant first, at most 100
    steps: list[tuple[str, str]]  # (label, value): what the files can be evidence of
    hint: str
    initial: str | None = None  # the record the message is about, when it says so
    more: int = 0  # how many more there are than the options hold: typed by reference instead
    kind: str = "NC"


@dataclass(frozen=True)
class Seen:
    """A file of the message as files.info describes it; `problem` says why it cannot be kept."""

    file_id: str
    name: str
    size: int | None
    problem: str | None = None
    unreadable: bool = False  # the bot may not read it (not in the conversation)

    @property
    def offered(self) -> Offered:
        return Offered(self.file_id, self.name, self.size or 0)


@dataclass(frozen=True)
class Chosen:
    """The record and step the form names, and the block a refusal of the record belongs on."""

    ref: str
    step: str
    block: str


@dataclass
class Listed:
    """The files of a message as its payload names them (IDs only are trusted later)."""

    files: list[Seen] = field(default_factory=list)
    left_out: int = 0  # files beyond the 10 one form takes


def files_in(message: dict[str, Any]) -> Listed:
    listed = Listed()
    files = message.get("files")
    for file in files if isinstance(files, list) else []:
        file_id = file.get("id") if isinstance(file, dict) else None
        if not isinstance(file_id, str) or not FILE_ID.match(file_id):
            continue
        if len(listed.files) == FILES_MAX:
            listed.left_out += 1
            continue
        size = file.get("size")
        name = str(file.get("name") or file.get("title") or file_id)[:255]
        listed.files.append(Seen(file_id, name, size if isinstance(size, int) and size >= 0 else None))
    return listed


def private_conversation(ctx: Context, channel: str) -> bool:
    """Whether the message is in a conversation Slack does not call public (asked for a second at most)."""
    return not captures.conversation_is_public(ctx.client, channel)


def look_up(ctx: Context, files: list[Seen], user: str) -> list[Seen]:
    """Each file as Slack describes it to the bot (files.info), and whether `user` may keep it."""
    return [_seen(ctx, file, user) for file in files]


def _seen(ctx: Context, listed: Seen, user: str) -> Seen:
    try:
        file = ctx.client.files_info(file=listed.file_id).get("file")
    except SlackApiError as exc:
        error = str(exc.response.get("error") if exc.response is not None else "no answer")
        if error in UNREADABLE:
            return Seen(listed.file_id, listed.name, None, "the bot cannot read it here", unreadable=True)
        if error == "file_deleted":
            return Seen(listed.file_id, listed.name, None, "it was deleted in Slack")
        return Seen(listed.file_id, listed.name, None, f"Slack did not describe it ({safe(error, 40)})")
    except (SlackClientError, OSError) as exc:
        log.info("files.info %s: %s", listed.file_id, exc)
        return Seen(listed.file_id, listed.name, None, "Slack did not answer in time; try again")
    if not isinstance(file, dict) or file.get("id") != listed.file_id:
        return Seen(listed.file_id, listed.name, None, "Slack does not know it")
    name = str(file.get("name") or listed.name)[:255]
    size = file.get("size") if isinstance(file.get("size"), int) else None
    return Seen(listed.file_id, name, size, _problem(file, size, user))


def _problem(file: dict[str, Any], size: int | None, user: str) -> str | None:
    uploader = str(file.get("user") or "")
    if file.get("is_external") or file.get("mode") == "external":
        return "it is a link to a file kept outside Slack: attach the file itself"
    if file.get("mode") in ("tombstone", "hidden_by_limit"):
        return "Slack no longer shows it"
    if uploader != user:
        # As in a form (forms.py): the trail names whoever attached a file as its uploader.
        by = f" by {mention(uploader)}" if uploader else " by someone Slack does not name"
        return f"it was uploaded{by}: only whoever uploaded a file can attach it as evidence"
    if size is None:
        return "Slack does not say how big it is"
    if size > SIZE_MAX:
        return f"it is over {megabytes(SIZE_MAX)}"
    return None


# --- the form --------------------------------------------------------------------------------


def _line(file: Seen, checking: bool) -> str:
    size = f" ({size_text(file.size)})" if file.size is not None else ""
    name = safe(file.name, 150)
    if file.problem is None:
        return f"{':hourglass_flowing_sand:' if checking else ':paperclip:'} {name}{size}"
    return f":no_entry_sign: {name}{size}: not kept, {file.problem}"


def files_lines(files: list[Seen], checking: bool = False) -> str:
    return capped_lines([_line(f, checking) for f in files], 2900)


def attach_modal(
    files: list[Seen], choices: Choices, *, checking: bool = False, private: bool = False, left_out: int = 0
) -> dict[str, Any]:
    """The form: the message's files, the record to keep them with and what they are evidence of.
    While `checking`, the files are as the message named them; Slack's answer replaces them."""
    notes = ["Checking the files with Slack…"] if checking else []
    if left_out:
        notes.append(f"A form takes {FILES_MAX} files: the {left_out} after them are not offered.")
    if private:
        notes.append(PRIVATE_NOTE)
    if any(f.unreadable for f in files):
        notes.append(WHAT_TO_DO)
    blocks = [section("*Files in this message*\n" + files_lines(files, checking))]
    blocks += [context(*notes)] if notes else []
    blocks += _record_inputs(choices) + [
        input_block(STEP_BLOCK, "Evidence of", static_select("value", choices.steps, placeholder="Choose a step"))
    ]
    offered = [f for f in files if f.problem is None]
    metadata = json.dumps({"files": [[f.file_id, f.name[:NAME_CARRIED]] for f in offered]}, ensure_ascii=False)
    return modal(
        Callback.EVIDENCE_FROM_MESSAGE, "Attach evidence", blocks, submit="Keep files", private_metadata=metadata
    )


def _record_inputs(choices: Choices) -> list[dict[str, Any]]:
    select = static_select("value", choices.options, initial=choices.initial, placeholder=f"Choose an {choices.kind}")
    # With more records than a select holds, the rest are typed: then neither input is required alone.
    blocks = [input_block(RECORD_BLOCK, "Evidence on", select, optional=bool(choices.more), hint=choices.hint)]
    if choices.more:
        typed = text_input("value", max_length=20, placeholder=f"{choices.kind}-2026-0123")
        told = f"{choices.more} more than the list holds: type the number of one of those here."
        blocks.append(input_block(TYPED_BLOCK, "Or type its number", typed, optional=True, hint=told))
    return blocks


def cannot_keep_modal(files: list[Seen], *, left_out: int = 0) -> dict[str, Any]:
    """Nothing in the message can be kept: why, file by file, and what to do instead."""
    blocks = [section("*None of these files can be kept as evidence*\n" + files_lines(files))]
    if any(f.unreadable for f in files):
        blocks.append(section(WHAT_TO_DO))
    if left_out:
        blocks.append(context(f"A form takes {FILES_MAX} files: the {left_out} after them were not looked at."))
    return modal(Callback.EVIDENCE_FROM_MESSAGE, "Attach evidence", blocks, submit=None, close="Close")


def offered_in(view: dict[str, Any]) -> list[Offered]:
    """The files the form offers, from its metadata: IDs that files.info is asked about again."""
    try:
        carried = json.loads(view.get("private_metadata") or "{}").get("files")
    except (ValueError, AttributeError):
        return []
    offered: list[Offered] = []
    for item in carried if isinstance(carried, list) else []:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            if FILE_ID.match(item[0]) and len(offered) < FILES_MAX:
                offered.append(Offered(item[0], item[1][:NAME_CARRIED], 0))
    return offered


def chosen(values: dict[str, Any]) -> tuple[dict[str, str], Chosen | None]:
    """The record (typed wins over the list: it is there for what the list does not hold) and the step."""
    typed = (values.get(TYPED_BLOCK) or "").strip()
    ref = typed or values.get(RECORD_BLOCK) or ""
    step = values.get(STEP_BLOCK) or ""
    errors = {}
    if not ref:
        errors[RECORD_BLOCK] = "Choose the record these files are evidence on."
    if not step:
        errors[STEP_BLOCK] = "Choose what these files are evidence of."
    if errors:
        return errors, None
    return {}, Chosen(ref, step, TYPED_BLOCK if typed else RECORD_BLOCK)


def tell_kept(ctx: Context, user: str, record_ref: str, what: str, kept: Kept, link: str | None, form: str) -> None:
    """Say what was kept (what was not, keep has said): now, not in working hours, once a form."""
    if not kept.files:
        return
    names = ", ".join(f"{safe(f.name, 150)} ({size_text(f.size)})" for f in kept.files)
    where = f"<{link}|{record_ref}>" if link else record_ref
    text = f":paperclip: Kept as evidence on {where} ({safe(what, 60)}): {names}."
    digest = hashlib.sha256(form.encode()).hexdigest()[:16]
    with ctx.db.session() as session:
        nudge = Nudge(f"evidence-kept:{record_ref}:{digest}", user, text, record_ref=record_ref, in_working_hours=False)
        enqueue(session, nudge, ctx.clock.now())
