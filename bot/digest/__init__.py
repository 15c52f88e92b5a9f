"""The leaders' weekly digest (ISO 9001 5.1, 9.1.3): what happened, what is late, what is next.

Computed from the records at send time and delivered through the outbox under one key per
leader and period (`digest:2026-11-30:U…`: the digest due on 30 November), so restarts and
several instances send it once, and a bot that was down at the time sends it when back
(up to three days late).
Each part appears as soon as its register holds data; audits, reviews and objectives join
when their features land.

This is the digest's public face: the composition root, the CLI and tests use these names.
"""

from __future__ import annotations

from bot.digest.blocks import AHEAD_DAYS as AHEAD_DAYS
from bot.digest.blocks import OVERDUE_SHOWN as OVERDUE_SHOWN
from bot.digest.blocks import SEVERITY_ORDER as SEVERITY_ORDER
from bot.digest.blocks import render as render
from bot.digest.nudges import CHART as CHART
from bot.digest.nudges import CHART_COMMENT as CHART_COMMENT
from bot.digest.nudges import DIGEST as DIGEST
from bot.digest.nudges import DIGEST_CHART as DIGEST_CHART
from bot.digest.nudges import LATE_AT_MOST as LATE_AT_MOST
from bot.digest.nudges import digest_recipients as digest_recipients
from bot.digest.nudges import digest_source as digest_source
from bot.digest.preview import preview_lines as preview_lines
from bot.digest.replies import TREND_WEEKS as TREND_WEEKS
from bot.digest.replies import Digest as Digest
from bot.digest.replies import chart_renderer as chart_renderer
from bot.digest.replies import compute as compute
from bot.digest.replies import last_due as last_due
from bot.digest.replies import trend as trend
from bot.digest.replies import week_of as week_of
