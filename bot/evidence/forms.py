"""The files offered in a form's file_input, checked before the form is answered.

Slack's limits (File input element reference): at most 10 files in one input, 10 MB each.
What can be checked from the submission itself is checked here, so the person sees it as
a field error in the form; what only Slack can tell (that the file exists and who uploaded
it, files.info) is asked after the ack, when the file is kept (rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FILES_BLOCK = "files"  # the block_id of a form's evidence files
FILES_MAX = 10
SIZE_MAX = 10 * 1024 * 1024  # 10 MB, Slack's limit for a file_input's file


@dataclass(frozen=True)
class Offered:
    """A file as the submission named it; only its ID is trusted, and only after files.info."""

    file_id: str
    name: str
    size: int


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_files(files: Any, user: str, block: str = FILES_BLOCK) -> tuple[dict[str, str], list[Offered]]:
    """The field error for `block`, or the files offered (none when the input was left empty)."""
    if not files:
        return {}, []
    if not isinstance(files, list):
        return {block: "These files could not be read; attach them again."}, []
    if len(files) > FILES_MAX:
        return {block: f"Attach at most {FILES_MAX} files here ({len(files)} given)."}, []
    offered: list[Offered] = []
    for file in files:
        name = str(file.get("name") or file.get("id"))[:255]
        size = file.get("size")
        if not isinstance(size, int) or size < 0:
            return {block: f"{name} could not be read; attach it again."}, []
        if size > SIZE_MAX:
            return {block: f"{name} is {megabytes(size)}: a file may be at most {megabytes(SIZE_MAX)}."}, []
        if file.get("user") not in (None, user):
            return {block: f"{name} was not uploaded by you: attach your own copy."}, []
        offered.append(Offered(file["id"], name, size))
    return {}, offered
