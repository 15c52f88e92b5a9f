"""The shared words: plurals, one full stop, times in the reader's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.surfaces.words import moment, plural, sentence


@pytest.mark.parametrize(
    ("count", "word", "many", "said"),
    [
        (1, "bot", None, "1 bot"),
        (2, "bot", None, "2 bots"),
        (0, "rating", None, "0 ratings"),
        (1, "nonconformity", None, "1 nonconformity"),
        (3, "nonconformity", None, "3 nonconformities"),
        (2, "opportunity", None, "2 opportunities"),
        (2, "day", None, "2 days"),
        (2, "person", "people", "2 people"),
        (1, "person", "people", "1 person"),
    ],
)
def test_a_count_takes_the_right_plural(count: int, word: str, many: str | None, said: str) -> None:
    assert plural(count, word, many) == said


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Pallet shipped without labels", "Pallet shipped without labels."),
        ("Wrong parts.", "Wrong parts."),
        ("Why again?", "Why again?"),
        ("Cut off…", "Cut off…"),
        ("trailing space.  ", "trailing space."),
        ("", ""),
    ],
)
def test_a_sentence_ends_in_one_stop(typed: str, said: str) -> None:
    assert sentence(typed) == said


def test_a_moment_is_shown_in_the_readers_zone_with_a_named_fallback() -> None:
    when = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)
    shown = moment(when, ZoneInfo("Europe/Berlin"))
    assert shown == f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|01 Dec 2026 22:30 Europe/Berlin>"
    assert moment(when, ZoneInfo("Europe/Berlin"), with_date=False).endswith("|22:30 Europe/Berlin>")


def test_where_slack_shows_plain_text_a_moment_is_its_fallback() -> None:
    from bot.surfaces.mrkdwn import plain_text

    when = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)
    shown = f"Already done: it was answered {moment(when, ZoneInfo('Europe/Berlin'))}."
    assert plain_text(shown, lambda user: user) == "Already done: it was answered 01 Dec 2026 22:30 Europe/Berlin."
    assert moment(when, UTC).endswith("|01 Dec 2026 21:30 UTC>")
