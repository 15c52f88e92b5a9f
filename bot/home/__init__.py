"""The App Home tab: a person's own quality work, and the registers at a glance for QMS managers.

`replies` reads what is open and publishes the tab; `blocks` draws it (pure builders).
"""

from __future__ import annotations

from bot.home.blocks import ACKS_SHOWN as ACKS_SHOWN
from bot.home.blocks import AUTHORISE_SHOWN as AUTHORISE_SHOWN
from bot.home.blocks import LIST_SHOWN as LIST_SHOWN
from bot.home.replies import publish as publish
from bot.home.replies import view as view
