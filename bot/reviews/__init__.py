"""Management reviews (ISO 9001 9.3): planned, fed by an input pack, minuted, followed up.

A QMS manager schedules a review with its attendees and a recurrence. QMS_REVIEW_PACK_DAYS
before it, each attendee gets the input pack, compiled from the bot's own records for the
period since the last review and organised by the inputs clause 9.3.2 lists; where the bot
holds nothing for an input, the pack says so. After the meeting a QMS manager records the
minutes, decisions and output actions (9.3.3); the actions are nudged like CAPA actions,
and a recurring review plans its successor.

This is the process's public face: other packages, handlers and tests use these names.
"""

from __future__ import annotations

from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
from bot.reviews.forms import ACTION_MAX as ACTION_MAX
from bot.reviews.forms import ATTENDEES_MAX as ATTENDEES_MAX
from bot.reviews.forms import EVIDENCE_MAX as EVIDENCE_MAX
from bot.reviews.forms import MINUTES_MAX as MINUTES_MAX
from bot.reviews.forms import NUMBER as NUMBER
from bot.reviews.forms import Minutes as Minutes
from bot.reviews.forms import Schedule as Schedule
from bot.reviews.forms import check_evidence as check_evidence
from bot.reviews.forms import check_minutes as check_minutes
from bot.reviews.forms import check_schedule as check_schedule
from bot.reviews.nudges import review_nudges as review_nudges
from bot.reviews.pack import NO_DATA as NO_DATA
from bot.reviews.pack import compile_pack as compile_pack
from bot.reviews.replies import done_form as done_form
from bot.reviews.replies import find as find
from bot.reviews.replies import held_confirmation as held_confirmation
from bot.reviews.replies import list_reply as list_reply
from bot.reviews.replies import pack_reply as pack_reply
from bot.reviews.replies import record_form as record_form
from bot.reviews.replies import record_reply as record_reply
from bot.reviews.replies import scheduled_confirmation as scheduled_confirmation
from bot.reviews.rules import RECORD_TYPE as RECORD_TYPE
from bot.reviews.rules import Held as Held
from bot.reviews.rules import cancel as cancel
from bot.reviews.rules import complete_action as complete_action
from bot.reviews.rules import record as record
from bot.reviews.rules import schedule as schedule
