"""The risk and opportunity register (ISO 9001 6.1).

Anyone raises a risk (something that may go wrong) or an opportunity (something that may go
better), from `/risk`, a shortcut or a message; it is scored likelihood × impact (1–5 each)
and banded by QMS_RISK_BANDS. Its owner (or a QMS manager) chooses the treatment with the
residual score it expects, adds treatment actions with owners and due dates (the NC
package's action machinery: one implementation), and reviews it on its date; each scoring
is kept, so the review pack can weigh residual against initial scores and the digest can
name the risks whose score rose.

This is the process's public face: handlers and the packages above use these names as
`risks.<name>`. Inside: forms (input and checks), rules (the steps), record (loading and
the card), blocks and modals (Block Kit), nudges (reminders and keys), replies (lists).
"""

from bot.errors import NotAllowed as NotAllowed
from bot.errors import Refused as Refused
from bot.risks.blocks import BAND_EMOJI as BAND_EMOJI
from bot.risks.blocks import Record as Record
from bot.risks.blocks import finding_buttons as finding_buttons
from bot.risks.blocks import holder as holder
from bot.risks.blocks import ref as ref
from bot.risks.blocks import scored as scored
from bot.risks.figures import digest_lines as digest_lines
from bot.risks.figures import overdue_treatment as overdue_treatment
from bot.risks.figures import pack_lines as pack_lines
from bot.risks.figures import rose_between as rose_between
from bot.risks.forms import KINDS as KINDS
from bot.risks.forms import NUMBER as NUMBER
from bot.risks.forms import RAISE_FIELDS as RAISE_FIELDS
from bot.risks.forms import TEXT_MAX as TEXT_MAX
from bot.risks.forms import TITLE_MAX as TITLE_MAX
from bot.risks.forms import TREATMENT_LABELS as TREATMENT_LABELS
from bot.risks.forms import Draft as Draft
from bot.risks.forms import band as band
from bot.risks.forms import check_raise as check_raise
from bot.risks.forms import check_review as check_review
from bot.risks.forms import check_treat as check_treat
from bot.risks.modals import raise_modal as raise_modal
from bot.risks.modals import review_modal as review_modal
from bot.risks.modals import treat_modal as treat_modal
from bot.risks.nudges import risk_nudges as risk_nudges
from bot.risks.raising import announce_raised as announce_raised
from bot.risks.raising import raise_risk as raise_risk
from bot.risks.record import RECORD_TYPE as RECORD_TYPE
from bot.risks.record import attach_evidence as attach_evidence
from bot.risks.record import kind_of as kind_of
from bot.risks.record import refresh_card as refresh_card
from bot.risks.replies import choices as choices
from bot.risks.replies import from_finding as from_finding
from bot.risks.replies import home_blocks as home_blocks
from bot.risks.replies import home_items as home_items
from bot.risks.replies import list_reply as list_reply
from bot.risks.replies import record_reply as record_reply
from bot.risks.rules import add_action as add_action
from bot.risks.rules import check as check
from bot.risks.rules import close as close
from bot.risks.rules import complete_action as complete_action
from bot.risks.rules import note_realised as note_realised
from bot.risks.rules import realised_since_review as realised_since_review
from bot.risks.rules import review as review
from bot.risks.rules import treat as treat
