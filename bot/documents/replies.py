"""What the register shows: the list of documents and one document with its reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.documents import blocks
from bot.documents.rules import RECORD_TYPE
from bot.errors import Refused
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from bot.training import reference_key
from storage import documents as store
from storage import evidence as evidence_store
from storage.models import ControlledDocument

if TYPE_CHECKING:
    from bot.context import Context


def find(ctx: Context, reference: str) -> ControlledDocument | None:
    with ctx.db.session() as session:
        return store.by_key(session, reference_key(reference))


def _registered(ctx: Context, reference: str) -> ControlledDocument:
    doc = find(ctx, reference)
    if doc is None:
        raise Refused(f"{safe(reference, 40)} is no longer in the register. `/doc list` shows the register.")
    return doc


def added_confirmation(ctx: Context, reference: str) -> str:
    """What the QMS manager who added a document is told (again, should they send the form twice)."""
    doc = _registered(ctx, reference)
    return f"{doc.reference} rev {doc.revision} is in the register; its owner is reminded before the review on {doc.next_review:%d %b %Y}."


def revised_confirmation(ctx: Context, reference: str) -> str:
    """What the person who recorded a revision is told about the document."""
    doc = _registered(ctx, reference)
    return f"{doc.reference} is now rev {doc.revision}; next review {doc.next_review:%d %b %Y}."


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        docs = store.all_by_due(session)
    return blocks.register(docs, ctx.today(), ctx.settings.doc_review_notice_days)


def document_reply(ctx: Context, reference: str, user: str) -> Reply:
    with ctx.db.session() as session:
        doc = store.by_key(session, reference_key(reference))
        if doc is None:
            return Reply(f"{safe(reference, 40)} is not in the register. `/doc list` shows the register.")
        reviews = store.reviews_of(session, doc.id or 0)
        files = evidence_store.files_of(session, RECORD_TYPE, doc.reference)
    may = user == doc.owner or ctx.roles.is_manager(user)
    notice = ctx.settings.doc_review_notice_days
    return blocks.document(doc, reviews, ctx.today(), notice, may_review=may, files=files)
