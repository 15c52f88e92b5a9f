"""Competence by role (ISO 9001 7.2): which documents each role needs, renewed how often.

A QMS manager says (`/training require`) that the members of a user group or a channel need
certain documents, optionally renewed every N months. Members are asked at once for the
current revision of each; whoever joins the group (`subteam_members_changed`) or the channel
(`member_joined_channel`) later is asked when they join. An acknowledgement that expires is
asked for again by the training reminders (bot.training.nudges). `/training matrix` shows per
role and person what is required, done, due and expired; Home and the digest count the gaps.

This is the process's public face, used as `competence.<name>`.
"""

from bot.competence.blocks import GAPS as GAPS
from bot.competence.blocks import RoleStanding as RoleStanding
from bot.competence.blocks import nothing_to_require as nothing_to_require
from bot.competence.blocks import saved as saved
from bot.competence.forms import Requirement as Requirement
from bot.competence.forms import check_requirement as check_requirement
from bot.competence.replies import DocumentHeld as DocumentHeld
from bot.competence.replies import gaps_line as gaps_line
from bot.competence.replies import held_by_document as held_by_document
from bot.competence.replies import held_lines as held_lines
from bot.competence.replies import matrix_blocks as matrix_blocks
from bot.competence.replies import require_form as require_form
from bot.competence.replies import standings as standings
from bot.competence.rules import RECORD_TYPE as RECORD_TYPE
from bot.competence.rules import documents_offered as documents_offered
from bot.competence.rules import joined as joined
from bot.competence.rules import save as save
