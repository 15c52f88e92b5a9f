"""Evidence files on QMS records (ISO 9001 7.5.3): attached in Slack's file_input, downloaded
with the bot's token, kept once by SHA-256 in the evidence store, their hashes on the trail.

The public face other packages use: processes put `files_input()` in a form, check the
submission with `check_files` before answering it, and `keep` the files after; the card
shows `files_section`; verify-trail runs `evidence_problems`.
The "Attach files as evidence" message shortcut lists a message's files (`files_in`, `look_up`),
offers them in `attach_modal` and keeps the ones `offered_in` the form sent (messages.py).
"""

from bot.evidence.blocks import file_line, files_input, files_section, size_text
from bot.evidence.checks import evidence_problems
from bot.evidence.forms import FILES_BLOCK, FILES_MAX, SIZE_MAX, Offered, check_files
from bot.evidence.messages import (
    FROM_MESSAGE,
    STEP_BLOCK,
    Choices,
    Chosen,
    Seen,
    attach_modal,
    cannot_keep_modal,
    chosen,
    files_in,
    look_up,
    offered_in,
    private_conversation,
    tell_kept,
)
from bot.evidence.rules import ATTACHED, Attaching, Kept, keep
from bot.evidence.store import DatabaseStore, EvidenceStore, StoreUnavailable, open_store

__all__ = [
    "ATTACHED",
    "FILES_BLOCK",
    "FILES_MAX",
    "SIZE_MAX",
    "Attaching",
    "DatabaseStore",
    "EvidenceStore",
    "Kept",
    "Offered",
    "StoreUnavailable",
    "check_files",
    "evidence_problems",
    "file_line",
    "files_input",
    "files_section",
    "keep",
    "open_store",
    "size_text",
    "FROM_MESSAGE",
    "STEP_BLOCK",
    "Choices",
    "Chosen",
    "Seen",
    "attach_modal",
    "cannot_keep_modal",
    "chosen",
    "files_in",
    "look_up",
    "offered_in",
    "private_conversation",
    "tell_kept",
]
