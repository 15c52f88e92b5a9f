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
    assert transcript.count("Welcome to #quality") == 1  # the retried event did not welcome twice
    assert "*Sent*: 1" in transcript
    # The nonconformity walk-through: raised from a message, worked to a verified close.
    assert "Raised from the original message" in transcript
    for seen in ("recorded containment", "recorded the root cause", "added *A2*", "marked A1 done", "verified the actions as *effective*", "closed NC-2026-0001"):
        assert seen in transcript
    assert "Only a QMS manager (@Quinn Novak) can cancel NC-2026-0001." in transcript
    assert "*Status*: Closed" in transcript
