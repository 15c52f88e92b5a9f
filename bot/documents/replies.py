"""What the register shows: the list of documents and one document with its reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.documents import blocks
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from bot.training import reference_key
from storage import documents as store
from storage.models import ControlledDocument

if TYPE_CHECKING:
    from bot.context import Context


def find(ctx: Context, reference: str) -> ControlledDocument | None:
    with ctx.db.session() as session:
        return store.by_key(session, reference_key(reference))


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
    may = user == doc.owner or ctx.roles.is_manager(user)
    return blocks.document(doc, reviews, ctx.today(), ctx.settings.doc_review_notice_days, may_review=may)
