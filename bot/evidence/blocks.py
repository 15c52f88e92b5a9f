"""Block Kit for evidence files: the form's file input, and the files on a record's card. Pure."""

from __future__ import annotations

from typing import Any

from bot.evidence.forms import FILES_BLOCK, FILES_MAX, SIZE_MAX, megabytes
from bot.surfaces.blocks import capped_lines, file_input, input_block, section
from bot.surfaces.mrkdwn import mention, safe
from storage.models import EvidenceFile


def files_input(label: str = "Evidence files", hint: str | None = None) -> dict[str, Any]:
    """The optional input where people attach files (photos, certificates, signed forms)."""
    told = hint or f"Photos, certificates, signed forms: up to {FILES_MAX} files, {megabytes(SIZE_MAX)} each."
    return input_block(FILES_BLOCK, label, file_input("value", max_files=FILES_MAX), optional=True, hint=told)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return megabytes(size)


def file_line(file: EvidenceFile) -> str:
    name = safe(file.name, 150).replace("|", "¦")  # a | would end the link's text
    shown = f"<{file.permalink}|{name}>" if file.permalink else name
    return f":paperclip: {shown} ({size_text(file.size)}) · {safe(file.step, 60)} · {mention(file.uploaded_by)}"


def files_section(files: list[EvidenceFile]) -> list[dict[str, Any]]:
    """The record's evidence files, one a line (none: no block)."""
    if not files:
        return []
    return [section("*Evidence files*\n" + capped_lines([file_line(f) for f in files], 2900))]
