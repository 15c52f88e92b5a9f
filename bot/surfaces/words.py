"""The words every surface shares: counts with the right plural, sentences with one full stop,
moments shown in each reader's own timezone."""

from __future__ import annotations

from datetime import datetime, tzinfo

# Where a title or a note a person typed already ends a sentence.
SENTENCE_ENDS = (".", "!", "?", "…", ":")


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 NC`, `2 NCs`, `1 nonconformity`, `3 nonconformities` (give the irregular plural)."""
    if many is None:
        many = singular[:-1] + "ies" if singular.endswith("y") and singular[-2:-1] not in "aeiou" else singular + "s"
    return f"{count} {singular if count == 1 else many}"


def sentence(text: str) -> str:
    """`text` ending in one full stop: what a person typed may end with its own already."""
    text = text.rstrip()
    if not text or text.endswith(SENTENCE_ENDS):
        return text
    return text + "."


def moment(when: datetime, zone: tzinfo, *, with_date: bool = True) -> str:
    """A moment each reader sees in their own timezone (Slack's `<!date^…>`), falling back,
    where a client cannot format it, to the organisation's time with the zone named.
    mrkdwn only: plain-text fields (modal titles, field errors) show the token as typed."""
    local = when.astimezone(zone)
    epoch = int(when.timestamp())
    named = getattr(zone, "key", None) or local.tzname() or "UTC"
    if with_date:
        return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{local:%d %b %Y %H:%M} {named}>"
    return f"<!date^{epoch}^{{time}}|{local:%H:%M} {named}>"
