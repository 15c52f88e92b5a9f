"""The evidence files in an export: their sheet's columns, and `--with-files`, a zip of the
workbook and every file kept in the period, with a manifest of hashes an auditor can check.

The zip holds `qms-evidence.xlsx`, `files/<record>/<sha256 prefix>-<file name>` and
`SHA256SUMS` (the format `sha256sum -c SHA256SUMS` reads, the workbook included), plus
`manifest.csv` naming each file's record, step, uploader and time. The bytes are read from
the evidence store in use (the database, or a bucket); a file whose bytes no longer match the
hash the bot kept them under is refused, not exported as evidence.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from bot.evidence import DatabaseStore, EvidenceStore, StoreUnavailable
from bot.export.forms import ExportError, Period
from storage import evidence as records
from storage.db import Database

# The sheet's columns: (header, kind, width), as registers.Column takes them.
EVIDENCE_COLUMNS = (
    ("Record", "text", 14),
    ("Record type", "text", 14),
    ("Evidence of", "text", 18),
    ("File", "text", 30),
    ("Type", "text", 16),
    ("Bytes", "int", 10),
    ("Uploaded by", "person", 20),
    ("Attached", "datetime", 19),
    ("SHA-256", "text", 66),
)
WORKBOOK = "qms-evidence.xlsx"
_UNSAFE = re.compile(r"[^\w.\- ]+")


def _entry_name(record_ref: str, sha256: str, name: str) -> str:
    """A path inside the zip that no file name can lead out of (no '/', no '..')."""
    clean = _UNSAFE.sub("_", name).strip(". ") or "file"
    return f"files/{_UNSAFE.sub('_', record_ref)}/{sha256[:12]}-{clean[:120]}"


def write_with_files(
    db: Database,
    out: str | Path,
    period: Period,
    write_workbook: Callable[[Database, Path, Period], object],
    store: EvidenceStore | None = None,
) -> int:
    """Write the zip with the files' bytes from `store` (None: the database's own); how many
    files it holds."""
    store = store or DatabaseStore(db)
    sums: list[str] = []
    manifest = io.StringIO()
    rows = csv.writer(manifest)
    rows.writerow(
        ["path", "record", "record type", "evidence of", "file", "bytes", "uploaded by", "attached", "sha256"]
    )
    count = 0
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        book = Path(scratch) / WORKBOOK
        write_workbook(db, book, period)
        bundle.write(book, WORKBOOK)
        sums.append(f"{hashlib.sha256(book.read_bytes()).hexdigest()}  {WORKBOOK}")
        with db.reading() as session:
            for file in records.every_file(session):
                if (period.start and file.attached_at < period.start) or (
                    period.end and file.attached_at >= period.end
                ):
                    continue
                try:
                    content = store.get(file.sha256)
                except StoreUnavailable as exc:
                    raise ExportError(str(exc)) from None
                if content is None or hashlib.sha256(content).hexdigest() != file.sha256:
                    raise ExportError(
                        f"{file.record_ref}: evidence file {file.name!r} is missing or changed; run qms-bot verify-trail"
                    )
                path = _entry_name(file.record_ref, file.sha256, file.name)
                bundle.writestr(path, content)
                sums.append(f"{file.sha256}  {path}")
                at = file.attached_at.isoformat(timespec="seconds")
                rows.writerow(
                    [path, file.record_ref, file.record_type, file.step, file.name, file.size, file.uploaded_by, at]
                    + [file.sha256]
                )
                count += 1
        bundle.writestr("manifest.csv", manifest.getvalue())
        bundle.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    return count
