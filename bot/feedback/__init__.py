"""Customer feedback (ISO 9001 9.1.2) and complaints as a source of nonconformities (10.2).

Anyone logs feedback in seconds; a complaint gets a card in the QMS channel with an owner
who must answer the customer within QMS_COMPLAINT_RESPOND_DAYS, and a button that raises a
nonconformity from it (linked both ways). The figures feed the digest.

This is the process's public face: other packages, the handlers and the tests use these
names as `feedback.<name>`; the code lives in forms (the checks), rules (the steps),
nudges (the outbox keys and reminders), replies (what people are shown) and blocks.
"""

from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
from bot.feedback import blocks as blocks
from bot.feedback.forms import CUSTOMER_MAX as CUSTOMER_MAX
from bot.feedback.forms import KINDS as KINDS
from bot.feedback.forms import PRODUCT_MAX as PRODUCT_MAX
from bot.feedback.forms import RECEIVED_VIA as RECEIVED_VIA
from bot.feedback.forms import TEXT_MAX as TEXT_MAX
from bot.feedback.forms import Entry as Entry
from bot.feedback.forms import FeedbackForm as FeedbackForm
from bot.feedback.forms import check as check
from bot.feedback.nudges import complaint_nudges as complaint_nudges
from bot.feedback.replies import Figures as Figures
from bot.feedback.replies import figures as figures
from bot.feedback.replies import list_reply as list_reply
from bot.feedback.replies import nc_form as nc_form
from bot.feedback.replies import record_reply as record_reply
from bot.feedback.replies import redraw_owner_message as redraw_owner_message
from bot.feedback.replies import refresh_card as refresh_card
from bot.feedback.replies import stats_reply as stats_reply
from bot.feedback.rules import NEXT as NEXT
from bot.feedback.rules import RECORD_TYPE as RECORD_TYPE
from bot.feedback.rules import advance as advance
from bot.feedback.rules import load as load
from bot.feedback.rules import log_feedback as log_feedback
from bot.feedback.rules import note_nc_raised as note_nc_raised
