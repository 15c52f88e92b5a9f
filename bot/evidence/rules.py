"""Keeping evidence files: ask Slack about each file, download it with the bot's token,
store its bytes once under their SHA-256 and attach it to the record, on the audit trail.

Called after the form was answered (a download may take longer than Slack's 3 seconds).
A file is trusted only as files.info describes it: the submission's own file object is
not (its URL could point anywhere, its uploader could be anyone). The bot's token is only
ever sent to Slack's file host, or to the Slack the bot is pointed at (the stand-in).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx
from slack_sdk.errors import SlackApiError

from bot.delivery.outbox import Nudge, enqueue
from bot.evidence.forms import SIZE_MAX, Offered, megabytes
from bot.evidence.store import StoreUnavailable
from bot.surfaces.mrkdwn import safe
from storage import evidence as records
from storage.audit import record_change
from storage.models import EvidenceFile

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

SLACK_FILE_HOSTS = {"files.slack.com"}
DOWNLOAD_SECONDS = 30
ATTACHED = "evidence_attached"  # the trail's action for a kept file


class NotKept(Exception):
    """Why one file was not kept (said to the person who attached it)."""


@dataclass
class Kept:
    files: list[EvidenceFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Attaching:
    """What the files are evidence of: the record (as its trail names it) and the step."""

    record_type: str
    record_ref: str
    step: str
    user: str


def keep(ctx: Context, where: Attaching, offered: list[Offered]) -> Kept:
    """Keep each offered file with the record; the person is told of any that could not be."""
    kept = Kept()
    for file in offered:
        try:
            kept.files.append(_keep_one(ctx, where, file))
        except NotKept as exc:
            log.warning("evidence for %s not kept: %s", where.record_ref, exc)
            kept.refused.append(str(exc))
    if kept.refused:
        _tell_refused(ctx, where, kept.refused)
    return kept


def _keep_one(ctx: Context, where: Attaching, offered: Offered) -> EvidenceFile:
    file = _described(ctx, offered)
    if file.get("user") != where.user:
        raise NotKept(f"{offered.name} was uploaded by someone else: attach your own copy")
    size = file.get("size")
    if not isinstance(size, int) or size > SIZE_MAX:
        raise NotKept(f"{offered.name} is over {megabytes(SIZE_MAX)}")
    content = _download(ctx, file, offered.name)
    sha256 = hashlib.sha256(content).hexdigest()
    # The bytes (up to 10 MB) first, on their own: keyed by their hash, so keeping them twice
    # is harmless, and the trail's chain lock is not held while they are sent to the store.
    try:
        ctx.evidence.put(sha256, content)
    except StoreUnavailable as exc:
        log.error("evidence store: %s", exc)
        raise NotKept(
            f"{offered.name} could not be stored: the evidence store is not reachable just now (the bot's log says why)"
        ) from None
    now = ctx.clock.now()
    with ctx.db.session() as session:
        already = records.attached(session, where.record_type, where.record_ref, sha256)
        if already is not None:
            return already
        evidence = records.attach(
            session,
            EvidenceFile(
                record_type=where.record_type,
                record_ref=where.record_ref,
                step=where.step[:60],
                name=str(file.get("name") or offered.name)[:255],
                mimetype=str(file.get("mimetype") or "application/octet-stream")[:120],
                size=len(content),
                sha256=sha256,
                slack_file=offered.file_id[:32],
                permalink=(str(file["permalink"])[:500] if file.get("permalink") else None),
                uploaded_by=where.user,
                attached_at=now,
            ),
        )
        record_change(
            session,
            at=now,
            actor=where.user,
            record_type=where.record_type,
            record_ref=where.record_ref,
            action=ATTACHED,
            after={"file": evidence.name, "sha256": sha256, "size": len(content), "step": evidence.step},
        )
        session.refresh(evidence)
        session.expunge(evidence)
    return evidence


def _described(ctx: Context, offered: Offered) -> dict[str, Any]:
    """The file as Slack describes it (files.info); a file Slack does not know is refused."""
    try:
        answer = ctx.client.files_info(file=offered.file_id)
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        raise NotKept(f"{offered.name} is not a file Slack knows ({error or 'no answer'})") from None
    file = answer.get("file")
    if not isinstance(file, dict) or file.get("id") != offered.file_id:
        raise NotKept(f"{offered.name} is not a file Slack knows")
    return file


def _download(ctx: Context, file: dict[str, Any], name: str) -> bytes:
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    api = urlparse(ctx.settings.slack_api_url)
    where = urlparse(url)
    # The token goes only to Slack, and only over TLS (plain HTTP only where the API itself is).
    schemes = {"https"} | ({api.scheme} if where.netloc == api.netloc else set())
    if where.scheme not in schemes or where.netloc not in SLACK_FILE_HOSTS | {api.netloc}:
        raise NotKept(f"{name} is not stored in Slack; the bot downloads only from Slack")
    headers = {"Authorization": f"Bearer {ctx.client.token}"}
    try:
        with httpx.stream("GET", url, headers=headers, timeout=DOWNLOAD_SECONDS, follow_redirects=False) as answer:
            if answer.status_code != 200:
                # Slack answers a request it does not accept with a redirect to its sign-in page.
                raise NotKept(f"{name} could not be downloaded (HTTP {answer.status_code})")
            content = bytearray()
            for chunk in answer.iter_bytes():
                content += chunk
                if len(content) > SIZE_MAX:
                    raise NotKept(f"{name} is over {megabytes(SIZE_MAX)}")
    except httpx.HTTPError as exc:
        raise NotKept(f"{name} could not be downloaded ({type(exc).__name__})") from None
    return bytes(content)


def _tell_refused(ctx: Context, where: Attaching, refused: list[str]) -> None:
    # Each reason names the file as the uploader named it: escaped, so a name cannot become a link.
    reasons = "; ".join(safe(reason, 300) for reason in refused)
    text = f"Not kept as evidence on {where.record_ref} ({where.step}): {reasons}."
    key = f"evidence:{where.record_ref}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    with ctx.db.session() as session:
        # Said now, not held for working hours: the person has just submitted the form.
        nudge = Nudge(key[:200], where.user, text, record_ref=where.record_ref, in_working_hours=False)
        enqueue(session, nudge, ctx.clock.now())
