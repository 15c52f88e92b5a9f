"""Whether the people chosen in a form can take part: a person in this workspace, not a bot,
not deactivated. Every process that assigns work or invites people checks them the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import Context


def assignee_error(ctx: Context, user_id: str | None) -> str | None:
    """Why this person cannot own an NC or an action, or None when they can."""
    if not user_id:
        return None
    person = ctx.directory.person(user_id)
    if person is None:
        return "Slack does not know this person; choose someone in this workspace."
    if person.is_bot:
        return f"{person.name} is a bot; choose a person who can do the work."
    if person.deleted:
        return f"{person.name} is deactivated; choose someone who is still here."
    return None


def people_error(ctx: Context, user_ids: list[str]) -> str | None:
    """Why one of these people cannot take part, or None. Up to ten are looked up one by one
    (users.info, Tier 4, cached); more from the workspace list (users.list, 200 a page,
    cached), so fifty people never cost fifty calls before the form is answered."""
    if len(user_ids) <= 10:
        return next((p for p in (assignee_error(ctx, u) for u in user_ids) if p), None)
    everyone = ctx.directory.everyone()
    for user_id in user_ids:
        person = everyone.get(user_id)
        if person is None:
            return "Slack does not know one of these people; choose people in this workspace."
        if person.is_bot:
            return f"{person.name} is a bot; choose people."
        if person.deleted:
            return f"{person.name} is deactivated; choose someone who is still here."
    return None
