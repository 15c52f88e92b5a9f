"""Quality objectives and KPIs (ISO 9001 6.2, 9.1.3): measured by the bot or entered by hand.

The status rule, the same everywhere it is shown, is in `bot.objectives.measures`.
This is the process's public face: other packages, handlers and tests use these names.
"""

from __future__ import annotations

from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
from bot.objectives.blocks import STATUS_EMOJI as STATUS_EMOJI
from bot.objectives.blocks import lines as lines
from bot.objectives.blocks import new_modal as new_modal
from bot.objectives.forms import CODE as CODE
from bot.objectives.forms import check_new as check_new
from bot.objectives.measures import AT_RISK_SHARE as AT_RISK_SHARE
from bot.objectives.measures import DIRECTIONS as DIRECTIONS
from bot.objectives.measures import MEASURES as MEASURES
from bot.objectives.measures import PERIODS as PERIODS
from bot.objectives.measures import RULE as RULE
from bot.objectives.measures import Measure as Measure
from bot.objectives.measures import Standing as Standing
from bot.objectives.measures import parse_period as parse_period
from bot.objectives.measures import period_of as period_of
from bot.objectives.measures import standings as standings
from bot.objectives.measures import status as status
from bot.objectives.replies import list_reply as list_reply
from bot.objectives.rules import RECORD_TYPE as RECORD_TYPE
from bot.objectives.rules import create as create
from bot.objectives.rules import log_value as log_value
