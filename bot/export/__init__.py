"""Evidence export for auditors: every register in one workbook (or one CSV per register).

A register is one small entry in `REGISTERS` (bot.export.registers): its sheet name, its
columns (header, kind, width) and a function streaming its rows from storage for a period.
The workbook is written with XlsxWriter in constant-memory mode (each row goes to disk as
the next one starts) and rows come from the database in batches, so 100,000 NCs or a
million acknowledgements never sit in memory at once (bench/export_memory.py).

Dates and times are shown in the organisation's timezone (QMS_TIMEZONE).

This is the export's public face: the composition root, the CLI, `/qms export` and tests
use these names. The sheet's row limit is read where it is used, `bot.export.writer`.
"""

from __future__ import annotations

from bot.export import writer as writer
from bot.export.files import WORKBOOK as WORKBOOK
from bot.export.files import write_with_files as write_with_files
from bot.export.forms import ExportError as ExportError
from bot.export.forms import Period as Period
from bot.export.forms import parse_period as parse_period
from bot.export.registers import EXCEL_MAX_COLUMNS as EXCEL_MAX_COLUMNS
from bot.export.registers import REGISTERS as REGISTERS
from bot.export.registers import Column as Column
from bot.export.registers import Register as Register
from bot.export.registers import Rows as Rows
from bot.export.replies import EXPORT_FILE as EXPORT_FILE
from bot.export.replies import export_renderer as export_renderer
from bot.export.replies import export_request as export_request
from bot.export.writer import CUT as CUT
from bot.export.writer import DATETIME_FORMAT as DATETIME_FORMAT
from bot.export.writer import EXCEL_MAX_ROWS as EXCEL_MAX_ROWS
from bot.export.writer import EXCEL_MAX_TEXT as EXCEL_MAX_TEXT
from bot.export.writer import Cells as Cells
from bot.export.writer import Summary as Summary
from bot.export.writer import csv_text as csv_text
from bot.export.writer import write_csv as write_csv
from bot.export.writer import write_workbook as write_workbook
