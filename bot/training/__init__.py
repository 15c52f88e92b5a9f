"""Training and awareness (ISO 9001 7.2, 7.3): publish a revision, collect "read and understood".

A round is one document revision sent to an audience resolved to people at publish time.
Each person's card goes out through the outbox, written in the same transaction as the
round, so a 1,000-person round is sent completely and once even across a restart. Pending
people are reminded every QMS_TRAINING_REMIND_EVERY_DAYS; after the due date the publisher
and the QMS managers get the list of who is still missing.

This is the process's public face: other packages, the handlers and the tests use these
names as `training.<name>`; the code lives in forms (the checks), rules (the steps),
nudges (the outbox keys and reminders), replies (what people are shown) and blocks.
"""

from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
from bot.training import blocks as blocks
from bot.training.blocks import audience_inputs as audience_inputs
from bot.training.blocks import percent as percent
from bot.training.blocks import status_button as status_button
from bot.training.forms import DEFAULT_DUE_DAYS as DEFAULT_DUE_DAYS
from bot.training.forms import DOC_MAX as DOC_MAX
from bot.training.forms import DOC_REF as DOC_REF
from bot.training.forms import LINK as LINK
from bot.training.forms import LINK_MAX as LINK_MAX
from bot.training.forms import NUMBER as NUMBER
from bot.training.forms import QUESTION_MAX as QUESTION_MAX
from bot.training.forms import REV_MAX as REV_MAX
from bot.training.forms import REVISION as REVISION
from bot.training.forms import SUMMARY_MAX as SUMMARY_MAX
from bot.training.forms import TITLE_MAX as TITLE_MAX
from bot.training.forms import Publication as Publication
from bot.training.forms import PublishForm as PublishForm
from bot.training.forms import check_publish as check_publish
from bot.training.forms import check_question as check_question
from bot.training.forms import due_default as due_default
from bot.training.forms import may_publish as may_publish
from bot.training.forms import reference_key as reference_key
from bot.training.nudges import PENDING_SHOWN as PENDING_SHOWN
from bot.training.nudges import card_key as card_key
from bot.training.nudges import training_nudges as training_nudges
from bot.training.replies import list_reply as list_reply
from bot.training.replies import matrix_reply as matrix_reply
from bot.training.replies import me_reply as me_reply
from bot.training.replies import publish_and_report as publish_and_report
from bot.training.replies import publish_report as publish_report
from bot.training.replies import publisher_of as publisher_of
from bot.training.replies import report_again as report_again
from bot.training.replies import show_acknowledged as show_acknowledged
from bot.training.replies import status_reply as status_reply
from bot.training.rules import RECORD_TYPE as RECORD_TYPE
from bot.training.rules import Acknowledged as Acknowledged
from bot.training.rules import Audience as Audience
from bot.training.rules import acknowledge as acknowledge
from bot.training.rules import add_people as add_people
from bot.training.rules import ask as ask
from bot.training.rules import close as close
from bot.training.rules import publish as publish
from bot.training.rules import question_about as question_about
from bot.training.rules import resolve_audience as resolve_audience
