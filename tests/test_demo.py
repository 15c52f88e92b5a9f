from __future__ import annotations

import io

from bot.demo import play


def test_the_demo_plays_every_step_and_shows_what_people_see() -> None:
    out = io.StringIO()
    assert play(out) == 0
    transcript = out.getvalue()
    assert "QMS BOT: WHAT YOU CAN DO HERE" in transcript
    assert "Only QMS managers can see the nudge delivery status" in transcript
    assert "You are: *QMS manager*" in transcript
    assert transcript.count("▶ DM to Ben Okafor") == 1  # the retried event did not welcome twice
    assert "*Sent*: 1" in transcript
