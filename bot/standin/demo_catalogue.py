"""The demo's scenes by name, in the order the whole tour plays them.

Apart from the scenes themselves so that `qms-bot --help` can list them without importing
the app; `bot.standin.demo` checks that it plays exactly these.
"""

from __future__ import annotations

SCENES: dict[str, str] = {
    "basics": "help, roles, a refusal, the welcome DM, the outbox",
    "nc": "a nonconformity raised from a message, worked to a verified close",
    "training": "a document revision published, acknowledged, asked about, reminded",
    "feedback": "a compliment and a complaint; the complaint raised as an NC",
    "audit": "an internal audit planned, its checklist worked, completed with a finding",
    "snooze": "a reminder snoozed, with a reason",
    "documents": "a document registered, its review reminder, reviewed without change",
    "kpi": "a quality objective measured from the records",
    "risks": "a risk raised and treated",
    "suppliers": "a supplier registered, the register",
    "equipment": "a caliper registered, its calibration recorded (a pass)",
    "competence": "a role's required document (/training require), the matrix",
    "outputs": "nonconforming output held, a disposition recorded and authorised",
    "review": "a management review scheduled, its input pack, the meeting recorded",
    "escalation": "an overdue NC reaching the QMS manager",
    "digest": "Ben's Home tab, then Monday 08:00: the leaders' weekly digest and its chart",
    "export": "the export workbook for auditors, and verify-trail",
}
SCENE_NAMES = tuple(SCENES)
