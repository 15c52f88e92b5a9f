"""Internal audits (ISO 9001 9.2): the programme, the checklist, findings that become NCs.

A QMS manager plans an audit of a process; its lead auditor is reminded ahead (to prepare),
the day before and on the day, and after it, with the QMS managers, until it is completed.
The checklist is copied from the last audit of the same process, or built from the clauses
in scope; a line answered "nonconforming" raises an NC pre-filled from the line. Completing
the audit records a summary and its findings; each nonconformity found becomes an NC
(source "internal audit") in the same transaction.

This is the process's public face: other packages, handlers and tests use these names as
`audits.<name>`. The forms and their checks are in `forms`, the steps in `rules`, what is
shown in `replies`, the reminders and the outbox keys in `nudges`, Block Kit in `blocks`.
"""

from bot.audits.blocks import findings_said as findings_said
from bot.audits.completing import Completed as Completed
from bot.audits.completing import announce_completed as announce_completed
from bot.audits.completing import complete as complete
from bot.audits.forms import CLAUSES_MAX as CLAUSES_MAX
from bot.audits.forms import FINDING_MAX as FINDING_MAX
from bot.audits.forms import FINDINGS_MAX as FINDINGS_MAX
from bot.audits.forms import NOTE_MAX as NOTE_MAX
from bot.audits.forms import NUMBER as NUMBER
from bot.audits.forms import SCOPE_MAX as SCOPE_MAX
from bot.audits.forms import SUMMARY_MAX as SUMMARY_MAX
from bot.audits.forms import Completion as Completion
from bot.audits.forms import Plan as Plan
from bot.audits.forms import PlanForm as PlanForm
from bot.audits.forms import check_completion as check_completion
from bot.audits.forms import check_observation as check_observation
from bot.audits.forms import check_plan as check_plan
from bot.audits.nudges import audit_nudges as audit_nudges
from bot.audits.replies import audit_id_of as audit_id_of
from bot.audits.replies import checklist_reply as checklist_reply
from bot.audits.replies import completion_form as completion_form
from bot.audits.replies import current_cycle as current_cycle
from bot.audits.replies import done_vs_planned as done_vs_planned
from bot.audits.replies import line_for_answer as line_for_answer
from bot.audits.replies import nc_form as nc_form
from bot.audits.replies import planned_confirmation as planned_confirmation
from bot.audits.replies import programme_of as programme_of
from bot.audits.replies import programme_reply as programme_reply
from bot.audits.replies import record_reply as record_reply
from bot.audits.replies import redraw_audit_checklist as redraw_audit_checklist
from bot.audits.replies import redraw_checklist as redraw_checklist
from bot.audits.rules import RECORD_TYPE as RECORD_TYPE
from bot.audits.rules import TEMPLATE as TEMPLATE
from bot.audits.rules import Answered as Answered
from bot.audits.rules import answer as answer
from bot.audits.rules import cancel as cancel
from bot.audits.rules import link_line as link_line
from bot.audits.rules import plan as plan
from bot.audits.rules import starting_checklist as starting_checklist
from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
