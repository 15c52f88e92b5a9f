"""The external providers register (ISO 9001 8.4): suppliers evaluated, selected, monitored
and re-evaluated against criteria, with the records kept.

A QMS manager registers a supplier with what it supplies, its criteria, its owner, its status
(approved, conditional, blocked) and its next evaluation. Before the evaluation falls due
the owner is nudged with an "Evaluate" button; the form shows a scorecard the bot compiles
from the records since the last evaluation (NCs raised against the supplier, complaints
traced to them through those NCs, quantities their dispositions returned), beside the
owner's score (1 to 5) and the decision. Only a QMS manager changes the status. The NC form
picks its supplier from here, and an NC raised against a blocked or conditional supplier is
told to the QMS managers.

This is the process's public face: other packages, handlers and tests use these names as
`suppliers.<name>`. The forms and their checks are in `forms`, the steps in `rules`, what is
shown and read by others in `replies`, the reminders and outbox keys in `nudges`, Block Kit
in `blocks`.
"""

from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
from bot.suppliers.blocks import PICKED as PICKED
from bot.suppliers.blocks import evaluate_button as evaluate_button
from bot.suppliers.blocks import picker as picker
from bot.suppliers.blocks import ref as ref
from bot.suppliers.forms import NAME_MAX as NAME_MAX
from bot.suppliers.forms import STATUS_LABELS as STATUS_LABELS
from bot.suppliers.forms import Evaluation as Evaluation
from bot.suppliers.forms import Registration as Registration
from bot.suppliers.forms import Scorecard as Scorecard
from bot.suppliers.forms import check_add as check_add
from bot.suppliers.forms import check_evaluation as check_evaluation
from bot.suppliers.forms import check_status as check_status
from bot.suppliers.nudges import NC_ALERT as NC_ALERT
from bot.suppliers.nudges import supplier_nudges as supplier_nudges
from bot.suppliers.replies import Performance as Performance
from bot.suppliers.replies import added_confirmation as added_confirmation
from bot.suppliers.replies import digest_lines as digest_lines
from bot.suppliers.replies import due_for_evaluation as due_for_evaluation
from bot.suppliers.replies import evaluated_confirmation as evaluated_confirmation
from bot.suppliers.replies import evaluated_on_time as evaluated_on_time
from bot.suppliers.replies import evaluation_rows as evaluation_rows
from bot.suppliers.replies import evaluations_due_for as evaluations_due_for
from bot.suppliers.replies import find as find
from bot.suppliers.replies import home_blocks as home_blocks
from bot.suppliers.replies import list_reply as list_reply
from bot.suppliers.replies import performance as performance
from bot.suppliers.replies import performance_lines as performance_lines
from bot.suppliers.replies import picked as picked
from bot.suppliers.replies import picker_options as picker_options
from bot.suppliers.replies import raised_against as raised_against
from bot.suppliers.replies import supplier_reply as supplier_reply
from bot.suppliers.replies import supplier_rows as supplier_rows
from bot.suppliers.rules import RECORD_TYPE as RECORD_TYPE
from bot.suppliers.rules import add as add
from bot.suppliers.rules import change_status as change_status
from bot.suppliers.rules import evaluate as evaluate
from bot.suppliers.rules import may_evaluate as may_evaluate
from bot.suppliers.rules import open_for_evaluation as open_for_evaluation
from bot.suppliers.rules import open_for_status as open_for_status
from bot.suppliers.rules import scorecard as scorecard
