from __future__ import annotations

import io

from bot.standin.demo import play


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
    for seen in (
        "recorded containment",
        "recorded the root cause",
        "added *A2*",
        "marked A1 done",
        "verified the actions as *effective*",
        "closed NC-2026-0001",
    ):
        assert seen in transcript
    assert "Only a QMS manager (@Quinn Novak) can cancel NC-2026-0001." in transcript
    assert "*Status*: Closed" in transcript
    # The training walk-through: published, acknowledged (twice), asked about, chased.
    assert "TR-2026-0001* published: SOP-012 rev C to 3 people" in transcript
    assert "Acknowledged 09 Dec 2026" in transcript and "You already acknowledged SOP-012 rev C" in transcript
    assert "asks about *TR-2026-0001*" in transcript and "Reminder: you have not confirmed SOP-012 rev C" in transcript
    assert "1 of 3 acknowledged" in transcript
    # The feedback walk-through: a compliment, a complaint, and the NC raised from it.
    assert "logged *FB-2026-0001*, compliment from Müller GmbH" in transcript
    assert (
        "FB-2026-0002 · COMPLAINT FROM ACME FOODS" in transcript
        and "Raised as nonconformity *NC-2026-0002*" in transcript
    )
    assert (
        "Raised from customer complaint *FB-2026-0002" in transcript
        and "Median time to answer a complaint" in transcript
    )
    # The programme: an audit planned and completed with a finding raised as an NC; a review's input pack.
    assert "You are the lead auditor of *AU-2026-0001*" in transcript and "✅ Conforming" in transcript
    assert "completed internal audit *AU-2026-0001*" in transcript and "Nonconformity → NC-2026-0003" in transcript
    assert "MANAGEMENT REVIEW MR-2026-0001: INPUT PACK" in transcript and "Opportunities for improvement" in transcript
    # It ends with Ben's Home tab and Lena's digest.
    assert "Ben Okafor's Home tab" in transcript and "YOUR QUALITY WORK" in transcript
    assert transcript.rstrip().splitlines()[-1].startswith("Done.") and "QUALITY DIGEST · " in transcript
    assert "then a file in the same DM: qms-trend-" in transcript
