"""Monitoring and measuring equipment (ISO 9001 7.1.5): gauges calibrated on an interval.

A QMS manager registers equipment by its tag, with an owner and a calibration interval. The
owner is reminded before a calibration falls due, on the day and while it is overdue (the QMS
managers after QMS_ESCALATE_AFTER_DAYS), with the button that records it. A pass or an
adjustment sets the next date from the interval; a fail quarantines the equipment and opens
an NC to assess the results measured since the last good calibration, linked both ways.

This is the process's public face: other packages, handlers and tests use these names as
`equipment.<name>`.
"""

from bot.equipment.blocks import calibrate_button as calibrate_button
from bot.equipment.blocks import status_text as status_text
from bot.equipment.forms import TAG as TAG
from bot.equipment.forms import CalibrationForm as CalibrationForm
from bot.equipment.forms import Registration as Registration
from bot.equipment.forms import check_add as check_add
from bot.equipment.forms import check_calibration as check_calibration
from bot.equipment.nudges import equipment_nudges as equipment_nudges
from bot.equipment.replies import added_confirmation as added_confirmation
from bot.equipment.replies import equipment_reply as equipment_reply
from bot.equipment.replies import list_reply as list_reply
from bot.equipment.rules import RECORD_TYPE as RECORD_TYPE
from bot.equipment.rules import Calibrated as Calibrated
from bot.equipment.rules import add as add
from bot.equipment.rules import open_for_calibration as open_for_calibration
from bot.equipment.rules import record_calibration as record_calibration
from bot.equipment.rules import set_in_service as set_in_service
