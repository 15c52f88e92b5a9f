"""`/qms`: help, who am I, and the outbox's health for QMS managers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.registry import SLASH_COMMANDS, USAGES, Usage
from bot.surfaces.blocks import Reply, capped_lines, context, divider, header, section
from bot.surfaces.mrkdwn import escape, mention, safe
from bot.workspace.roles import Role
from storage import outbox as rows
from storage import webhooks as webhook_rows

if TYPE_CHECKING:
    from bot.context import Context


def help_reply() -> Reply:
    blocks = [header("QMS bot: what you can do here")]
    for command in SLASH_COMMANDS:
        usages = [u for u in USAGES if u.example.split()[0] == command.name]
        blocks.append(
            section(f"*{command.name}* — {command.description}\n" + capped_lines([_usage_line(u) for u in usages]))
        )
    # Shortcuts and buttons are listed in USAGES too, under their own names.
    others = [u for u in USAGES if u.example.split()[0] not in {c.name for c in SLASH_COMMANDS}]
    if others:
        blocks.append(section("*Shortcuts and buttons*\n" + capped_lines([_usage_line(u) for u in others])))
    blocks.append(context("Nudges come in your working hours, in your own timezone. Type `/qms help` any time."))
    text = "QMS bot commands: " + ", ".join(u.example for u in USAGES)
    return Reply(text, blocks)


def _usage_line(usage: Usage) -> str:
    return f"`{usage.example}` — {usage.summary}" + ("" if usage.who == "everyone" else f" _({usage.who})_")


def unknown_reply(text: str) -> Reply:
    reply = help_reply()
    asked = safe(text.replace("`", "'"), 100)  # a backtick would end the code span early
    note = f"I don't know `/qms {asked}`. Here is what I can do:"
    return Reply(note, [section(note)] + reply.blocks)


def whoami_reply(ctx: Context, user_id: str) -> Reply:
    roles = ctx.roles.of(user_id)
    names = [r.label for r in (Role.QMS_MANAGER, Role.LEADER) if r in roles] or ["employee"]
    lines = [f"You are: *{' and '.join(names)}*."]
    if Role.QMS_MANAGER in roles:
        lines.append("You can assign, verify and close records, publish trainings and plan audits and reviews.")
    if Role.LEADER in roles:
        lines.append("You receive the weekly digest and the management review input.")
    if roles == {Role.EMPLOYEE}:
        lines.append("You can raise nonconformities, log customer feedback and acknowledge trainings.")
    lines.append("Roles come from the bot's settings (QMS_MANAGERS, QMS_LEADERS).")
    return Reply(lines[0], [section("\n".join(lines))])


def outbox_reply(ctx: Context, user_id: str) -> Reply:
    ctx.roles.require(user_id, Role.QMS_MANAGER, doing="see the nudge delivery status")
    with ctx.db.session() as session:
        counts = rows.status_counts(session)
        oldest = rows.oldest_pending(session)
        failures = rows.recent_failures(session)
        hooks = webhook_rows.status_counts(session) if ctx.settings.webhooks else None
    failed = [(f.key, f.recipient, f.last_error or "") for f in failures]
    reply = outbox_status(counts, oldest.not_before if oldest else None, failed, ctx.clock.now(), ctx.settings.zone)
    if hooks is not None:
        line = ", ".join(
            f"{hooks.get(s, 0)} {label}"
            for s, label in (
                ("pending", "waiting"),
                ("sending", "being sent"),
                ("sent", "delivered"),
                ("failed", "failed"),
            )
        )
        reply.blocks.append(context(f"Webhooks ({len(ctx.settings.webhooks)} endpoints): {line}."))
    return reply


def outbox_status(
    counts: dict[str, int],
    oldest_due: datetime | None,
    failures: list[tuple[str, str, str]],
    now: datetime,
    zone: ZoneInfo,
) -> Reply:
    order = ("pending", "sending", "sent", "failed", "cancelled")
    labels = {
        "pending": "waiting",
        "sending": "being sent",
        "sent": "sent",
        "failed": "failed",
        "cancelled": "cancelled",
    }
    fields = [f"*{labels[s].capitalize()}*\n{counts.get(s, 0)}" for s in order]
    blocks = [header("Nudge delivery"), section("Messages the bot has queued for people and channels.", fields=fields)]
    if oldest_due is not None:
        local = oldest_due.astimezone(zone)
        late = "" if oldest_due > now else f" ({int((now - oldest_due).total_seconds() // 60)} min ago)"
        blocks.append(context(f"Next waiting message is due {local:%a %d %b %H:%M} {zone.key}{late}."))
    if failures:
        lines = [f"`{escape(key)}` → {mention(recipient)}: {escape(error)}" for key, recipient, error in failures]
        blocks += [divider(), section("*Latest failures*\n" + capped_lines(lines))]
    text = ", ".join(f"{counts.get(s, 0)} {labels[s]}" for s in order)
    return Reply(f"Nudge delivery: {text}", blocks)


def digest_reply(ctx: Context, user_id: str) -> Reply:
    """The digest as it would go out now, for a leader or QMS manager who asks."""
    from bot import digest

    ctx.roles.require(user_id, Role.LEADER, Role.QMS_MANAGER, doing="see the leaders' digest")
    with ctx.db.session() as session:
        return digest.render(digest.compute(session, ctx.clock.now(), ctx.settings))


def export_reply(ctx: Context, user_id: str, words: list[str]) -> Reply:
    """Queue the evidence workbook for the QMS manager who asked; it arrives in their DM.

    Written when the outbox sends it (after the ack), uploaded with files_upload_v2, so a
    restart or a Slack hiccup still delivers it, once.
    """
    from bot import export
    from bot.delivery.outbox import Nudge, enqueue
    from bot.qms.nudges import EXPORT

    ctx.roles.require(user_id, Role.QMS_MANAGER, doing="export the QMS evidence")
    now = ctx.clock.now()
    dates = [w for w in words if w.lower() not in ("from", "to")]
    if len(dates) > 2:
        return Reply(
            "Usage: `/qms export` or `/qms export 2026-01-01 2026-06-30` (from, to; either may be left out).", []
        )
    first, last = [*dates, None, None][:2]
    try:
        period = export.parse_period(first, last, ctx.settings.zone, now.astimezone(ctx.settings.zone).date())
    except export.ExportError as exc:
        message = str(exc).replace("--from", "the first date").replace("--to", "the second date")
        return Reply(f"{message}. Usage: `/qms export 2026-01-01 2026-06-30`.", [])
    text = f"QMS evidence for the auditors: {period.describe()} (times in {ctx.settings.timezone})."
    spec = export.export_request(period.first, period.last, user_id)
    with ctx.db.session() as session:
        enqueue(
            session,
            Nudge(
                EXPORT.key(user=user_id, asked=now.isoformat()), user_id, text, in_working_hours=False, attachment=spec
            ),
            now,
        )
    return Reply(f"Preparing the evidence workbook ({period.describe()}); I'll send it to you in a DM in a minute.", [])
