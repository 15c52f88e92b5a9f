"""Block Kit for the audit programme: the plan and completion forms, the checklist, the
record and the programme. Pure functions; every piece of user text goes through `safe`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import evidence, risks
from bot.delivery.versions import drawn
from bot.nonconformity import SEVERITY_LABELS
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    context,
    datepicker,
    divider,
    header,
    input_block,
    modal,
    multi_users_select,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from bot.workspace.config import SEVERITIES
from storage.models import Audit, AuditFinding, AuditQuestion, EvidenceFile

ANSWER_LABELS = {"conforming": "✅ Conforming", "nonconforming": "❌ Nonconforming", "observation": "🔎 Observation"}
# A nonconforming line is graded as it is answered: the grade is the NC's severity. An
# observation (an opportunity for improvement) is no NC.
GRADES = {"major": "Major nonconformity", "minor": "Minor nonconformity"}
CHOICES = [
    ("conforming", ANSWER_LABELS["conforming"]),
    ("nonconforming:major", f"❌ {GRADES['major']}"),
    ("nonconforming:minor", f"⚠️ {GRADES['minor']}"),
    ("observation", ANSWER_LABELS["observation"]),
]
NC_SEVERITIES = [s for s in SEVERITIES if s != "observation"]  # what an audit's nonconformity can be
FINDING_LABELS = {
    "nonconformity": "Nonconformity",
    "improvement": "Opportunity for improvement",
    "positive": "Positive observation",
}
CHECKLIST_FOOTER = "audit_checklist_done"  # the checklist's own Complete button: completing redraws it
CHECKLIST_SHOWN = 45  # a message holds 50 blocks: a header, a context and the footer around the lines


def plan_modal(processes: list[str], today: date, process: str | None = None) -> dict[str, Any]:
    blocks = [
        input_block(
            "process",
            "Process or area",
            static_select("value", [(p, p) for p in processes], initial=process, placeholder="What is audited?"),
        ),
        input_block(
            "scope",
            "Scope",
            text_input(
                "value",
                multiline=True,
                max_length=2000,
                placeholder="What the audit covers: sites, shifts, products, the period looked at",
            ),
        ),
        input_block(
            "clauses",
            "ISO 9001 clauses",
            text_input("value", max_length=200, placeholder="e.g. 7.5, 8.5.1, 8.7"),
            optional=True,
            hint="The checklist is copied from the last audit of this process, or built from these clauses.",
        ),
        input_block("lead_auditor", "Lead auditor", users_select("value")),
        input_block("auditees", "Auditees", multi_users_select("value", placeholder="Who is audited"), optional=True),
        input_block(
            "planned_date", "Planned date", datepicker("value", initial=None), hint=f"Today is {today:%d %b %Y}."
        ),
    ]
    return modal(Callback.AUDIT_PLAN, "Plan internal audit", blocks, submit="Plan")


def _about(audit: Audit) -> str:
    return f"*{audit.number}* · {safe(audit.process, 100)} · {audit.planned_date:%d %b %Y}"


def finding_description(audit: Audit, line: AuditQuestion, grade: str | None) -> str:
    """An NC's "What happened" from a checklist line: the question, the answer and what was noted.
    Plain text (a form's initial value): nothing here is escaped."""
    clause = f" (clause {line.clause})" if line.clause else ""
    answer = GRADES.get(grade or "", "Nonconforming")
    said = [
        f"Internal audit {audit.number} of {audit.process}, checklist line {line.seq}{clause}: {line.question}",
        f"Answer: {answer}.",
    ]
    if line.note:
        said.append(f"Evidence: {line.note}")
    return "\n".join(said)


def _completion_inputs() -> list[dict[str, Any]]:
    """The completion form's inputs: the summary and the findings by kind."""
    return [
        input_block(
            "summary",
            "Summary",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                placeholder="What was audited, against what, and the overall conclusion",
            ),
        ),
        input_block(
            "nonconformities",
            "Nonconformities",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                placeholder="One per line: each becomes an NC from this audit",
            ),
            optional=True,
        ),
        input_block(
            "severity",
            "Severity of these nonconformities",
            static_select("value", [(SEVERITY_LABELS[s], s) for s in NC_SEVERITIES], initial="minor"),
            hint="Change it later on each NC if one differs. Observations go under opportunities for improvement.",
        ),
        input_block(
            "improvements",
            "Opportunities for improvement",
            text_input("value", multiline=True, max_length=3000, placeholder="One per line"),
            optional=True,
        ),
        input_block(
            "positives",
            "Positive observations",
            text_input("value", multiline=True, max_length=3000, placeholder="One per line"),
            optional=True,
        ),
        evidence.files_input(
            "Audit report", hint="The signed report, records or photos you sampled (up to 10 files, 10 MB each)."
        ),
    ]


def complete_modal(
    audit: Audit, unanswered: int, from_checklist: list[str], checklist_at: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The completion form; `checklist_at` is the checklist message it was opened from, redrawn once completed."""
    notes = []
    if from_checklist:
        notes.append("Already found through the checklist (kept as findings):\n" + capped_lines(from_checklist, 1500))
    if unanswered:
        lines = plural(unanswered, "checklist line")
        notes.append(f":warning: {lines} {'is' if unanswered == 1 else 'are'} not answered; say why in the summary.")
    blocks = [section(_about(audit))] + [context(n) for n in notes] + _completion_inputs()
    return modal(
        Callback.AUDIT_COMPLETE,
        "Complete audit",
        blocks,
        submit="Complete",
        private_metadata=json.dumps(
            {"audit": audit.id, "seen": audit.version, **({"clicked": list(checklist_at)} if checklist_at else {})}
        ),
    )


def observation_modal(audit: Audit, line: AuditQuestion, checklist_at: tuple[str, str] | None = None) -> dict[str, Any]:
    blocks = [
        section(f"{_about(audit)}\n*{line.seq}.* {safe(line.question, 1500)}"),
        input_block(
            "note", "What you observed", text_input("value", multiline=True, max_length=2000, initial=line.note)
        ),
        evidence.files_input("Evidence seen", hint="A photo, the record you sampled (up to 10 files, 10 MB each)."),
    ]
    origin: dict[str, Any] = {"line": line.id, "seen": line.version}
    if checklist_at:
        origin["clicked"] = list(checklist_at)
    return modal(
        Callback.AUDIT_OBSERVATION, "Audit observation", blocks, submit="Save", private_metadata=json.dumps(origin)
    )


def _line(line: AuditQuestion, nc_ref: str | None) -> str:
    """A checklist line; `nc_ref` is the NC it raised, already mrkdwn (linked to its card)."""
    clause = f"`{safe(line.clause, 20)}` " if line.clause else ""
    answer = f"\n{ANSWER_LABELS[line.answer]}" if line.answer else ""
    note = f" — {safe(line.note, 300)}" if line.note else ""
    nc = f" → {nc_ref}" if nc_ref else ""
    return f"*{line.seq}.* {clause}{safe(line.question, 500)}{answer}{nc}{note}"


def checklist(audit: Audit, lines: list[AuditQuestion], nc_refs: dict[int, str], *, editable: bool) -> Reply:
    """The checklist as a message: each line with its answer, and a select to answer it while the
    audit is open; `nc_refs` are the NCs the lines raised, linked to their cards."""
    answered = sum(1 for q in lines if q.answer)
    blocks: list[dict[str, Any]] = [
        header(f"Checklist {audit.number}"),
        context(f"{safe(audit.process, 100)} · {audit.planned_date:%d %b %Y} · {answered} of {len(lines)} answered"),
    ]
    for line in lines[:CHECKLIST_SHOWN]:
        accessory = None
        if editable and line.nc_id is None:
            # `<line id>@<version>:<answer>[:<grade>]`: an answer chosen on an older checklist changes nothing.
            options = [(label, f"{drawn(line)}:{key}") for key, label in CHOICES]
            accessory = static_select(
                Action.AUDIT_ANSWER,
                options,
                initial=f"{drawn(line)}:{line.answer}" if line.answer else None,
                placeholder="Answer",
            )
        blocks.append(section(_line(line, nc_refs.get(line.nc_id or 0)), accessory=accessory))
    if len(lines) > CHECKLIST_SHOWN:
        more = plural(len(lines) - CHECKLIST_SHOWN, "more line")
        blocks.append(context(f"… and {more}; answer these first."))
    if editable:
        blocks.append(
            actions(
                CHECKLIST_FOOTER,
                [button("Complete the audit", Action.AUDIT_COMPLETE, drawn(audit), style="primary")],
            )
        )
    else:
        blocks.append(context(f"{audit.number} is {audit.status}; the checklist is kept as it was."))
    return Reply(f"Checklist {audit.number}: {answered} of {len(lines)} answered", blocks)


@dataclass
class AuditView:
    audit: Audit
    lines: list[AuditQuestion]
    findings: list[AuditFinding]
    nc_numbers: dict[int, str]
    files: list[EvidenceFile] = field(default_factory=list)


def _status(audit: Audit, today: date) -> str:
    if audit.status == "planned" and audit.planned_date < today:
        return f"*overdue* since {audit.planned_date:%d %b}"
    return audit.status


def finding_line(finding: AuditFinding, nc_refs: dict[int, str]) -> str:
    nc = f" → {nc_refs[finding.nc_id]}" if finding.nc_id in nc_refs else ""
    return f"{FINDING_LABELS[finding.kind]}{nc}: {safe(finding.text, 400)}"


def record(found: AuditView, today: date, *, buttons: bool = True) -> Reply:
    """One audit; `buttons` when the reader may work it (the lead auditor or a QMS manager)."""
    audit = found.audit
    answered = sum(1 for q in found.lines if q.answer)
    auditees = ", ".join(mention(a) for a in audit.auditees[:20]) or "—"
    blocks: list[dict[str, Any]] = [
        header(f"{audit.number} · internal audit"),
        section(
            None,
            fields=[
                f"*Process*\n{safe(audit.process, 100)}",
                f"*Planned*\n{audit.planned_date:%d %b %Y}",
                f"*Lead auditor*\n{mention(audit.lead_auditor)}",
                f"*Auditees*\n{auditees}",
                f"*Status*\n{_status(audit, today)}",
                f"*Checklist*\n{answered} of {len(found.lines)} answered",
            ],
        ),
        section(
            f"*Scope*\n{safe(audit.scope, 1500)}" + (f"\n*Clauses* {safe(audit.clauses, 200)}" if audit.clauses else "")
        ),
    ]
    if audit.summary:
        blocks.append(section(f"*Summary*\n{safe(audit.summary, 2500)}"))
    if found.findings:
        blocks.append(
            section("*Findings*\n" + capped_lines([finding_line(f, found.nc_numbers) for f in found.findings], 2900))
        )
    blocks += evidence.files_section(found.files)
    blocks += risks.finding_buttons(found.findings)  # an opportunity for improvement, one click from the register
    if audit.status == "planned" and buttons:
        blocks.append(
            actions(
                "audit_buttons",
                [
                    button("Open the checklist", Action.AUDIT_CHECKLIST, str(audit.id)),
                    button("Complete the audit", Action.AUDIT_COMPLETE, drawn(audit), style="primary"),
                ],
            )
        )
    return Reply(f"{audit.number}: internal audit of {audit.process}", blocks)


def planned_note(audit: Audit, for_auditor: bool) -> Reply:
    if for_auditor:
        text = f":clipboard: You are the lead auditor of {_about(audit)}. Prepare with the checklist; the bot will remind you ahead."
        buttons = [button("Open the checklist", Action.AUDIT_CHECKLIST, str(audit.id))]
        return Reply(
            text, [section(text), section(f"*Scope*\n{safe(audit.scope, 1500)}"), actions("audit_planned", buttons)]
        )
    text = f":clipboard: Your area is audited: {_about(audit)}, lead auditor {mention(audit.lead_auditor)}."
    return Reply(text, [section(text), section(f"*Scope*\n{safe(audit.scope, 1500)}")])


def reminder(audit: Audit, stage: str, today: date) -> Reply:
    if stage == "today":
        when = "is *today*"
    elif stage.startswith("before-"):
        days = (audit.planned_date - today).days
        when = (
            "is *tomorrow*"
            if days == 1
            else f"is in *{days} days*; time to prepare the checklist and agree the timetable with the auditees"
        )
    else:
        when = f"was planned for {audit.planned_date:%d %b} and is *not completed*; complete it or ask a QMS manager to re-plan it"
    text = f":clipboard: Internal audit {_about(audit)} {when}."
    buttons = [
        button("Open the checklist", Action.AUDIT_CHECKLIST, str(audit.id)),
        button("Complete the audit", Action.AUDIT_COMPLETE, drawn(audit)),
    ]
    return Reply(text, [section(text), actions("audit_reminder", buttons)])


def completed_note(audit: Audit, findings: list[AuditFinding], nc_numbers: dict[int, str]) -> Reply:
    counts = {k: sum(1 for f in findings if f.kind == k) for k in FINDING_LABELS}
    text = (
        f":white_check_mark: {mention(audit.completed_by or '')} completed internal audit {_about(audit)}: "
        f"{findings_said(counts['nonconformity'], counts['improvement'], counts['positive'])}."
    )
    blocks = [section(text)]
    if audit.summary:
        blocks.append(section(f"*Summary*\n{safe(audit.summary, 2000)}"))
    if findings:
        blocks.append(section(capped_lines([finding_line(f, nc_numbers) for f in findings], 2900)))
    return Reply(text, blocks)


def findings_said(nonconformities: int, improvements: int, positives: int) -> str:
    """`1 nonconformity, 2 opportunities for improvement, 1 positive observation`."""
    return ", ".join(
        [
            plural(nonconformities, "nonconformity"),
            plural(improvements, "opportunity", "opportunities") + " for improvement",
            plural(positives, "positive observation"),
        ]
    )


@dataclass
class Programme:
    start: date
    end: date  # exclusive
    audits: list[Audit]
    gaps: list[str]


def programme(p: Programme, today: date, limit: int = 30) -> Reply:
    done = [a for a in p.audits if a.status == "completed"]
    overdue = [a for a in p.audits if a.status == "planned" and a.planned_date < today]
    coming = [a for a in p.audits if a.status == "planned" and a.planned_date >= today]
    last = p.end.toordinal() - 1
    title = f"Audit programme {p.start:%d %b %Y} – {date.fromordinal(last):%d %b %Y}"
    text = f"{title}: {len(done)} done, {len(overdue)} overdue, {len(coming)} planned"

    def line(a: Audit) -> str:
        return f"{a.planned_date:%d %b} *{a.number}* {safe(a.process, 80)} · {mention(a.lead_auditor)}"

    blocks: list[dict[str, Any]] = [header(title)]
    for label, found in (("Overdue", overdue), ("Planned", coming), ("Done", done)):
        body = capped_lines([line(a) for a in found], 2800, max_lines=limit) if found else "None."
        blocks.append(section(f"*{label}* ({len(found)})\n{body}"))
    if p.gaps:
        blocks += [
            divider(),
            section(
                f"*Not yet audited this cycle* ({len(p.gaps)})\n"
                + capped_lines([safe(g, 100) for g in p.gaps], 2800)
                + "\nPlan them with `/audit plan` to complete the programme."
            ),
        ]
    else:
        blocks += [divider(), section("*Coverage*: every process has an audit this cycle.")]
    return Reply(text, blocks)
