"""The document register (ISO 9001 7.5): documents reviewed on a cycle by their owners.

A QMS manager registers a document with its owner and review interval. When the review
falls due, the owner is nudged with two buttons: "Reviewed, no change" records the review
and sets the next date; "Revised" records the new revision and can start a training round
for it (the training feature's path), so the people who use the document read it.

This is the process's public face: other packages, handlers and tests use these names as
`documents.<name>`. The forms and their checks are in `forms`, the steps in `rules`, what
is shown in `replies`, the reminders and the outbox keys in `nudges`, Block Kit in `blocks`.
"""

from bot.documents.forms import MONTHS as MONTHS
from bot.documents.forms import REFERENCE as REFERENCE
from bot.documents.forms import Registration as Registration
from bot.documents.forms import Revision as Revision
from bot.documents.forms import check_add as check_add
from bot.documents.forms import check_revision as check_revision
from bot.documents.nudges import document_nudges as document_nudges
from bot.documents.replies import added_confirmation as added_confirmation
from bot.documents.replies import document_reply as document_reply
from bot.documents.replies import find as find
from bot.documents.replies import list_reply as list_reply
from bot.documents.replies import revised_confirmation as revised_confirmation
from bot.documents.rules import RECORD_TYPE as RECORD_TYPE
from bot.documents.rules import add as add
from bot.documents.rules import note_training as note_training
from bot.documents.rules import open_for_review as open_for_review
from bot.documents.rules import reviewed_no_change as reviewed_no_change
from bot.documents.rules import revised as revised
from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
