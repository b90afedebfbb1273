"""`careplan export-summary`: the clinician summary PDF of one patient, audited like a printout."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.clock import today
from careplan.services.course import get_course, headline
from careplan.services.course_view import COLUMNS, chart_specs, row_cells
from careplan.services.plans import changes_since_previous, load_plan

if TYPE_CHECKING:
    from careplan.reporting.summary import PromptLine


def export_summary(db: Database, patient_id: int, out: Path, *, actor: str) -> tuple[Path, int]:
    """Write the summary to `out`; returns (path, pages). The export is recorded in the audit log."""
    from careplan.reporting.summary import (  # ReportLab only when needed
        SummaryData,
        write_summary_pdf,
    )

    course = get_course(db, patient_id)
    state = load_plan(db, patient_id)
    latest = course.latest_with_alsfrs()
    rules = []
    if latest is not None:
        rules = [r for r in (latest.kings.reason, latest.mitos.rule, latest.delta_fs.rule) if r]
    if course.latest is not None:
        rules += [course.latest.bmi.rule, course.latest.weight_change_pct.rule]
    data = SummaryData(
        patient=course.patient, headline=headline(course, today()), table_header=COLUMNS,
        table_rows=[row_cells(e) for e in reversed(course.entries)], rules=rules, charts=chart_specs(course),
        revision=state.latest,
        changes=changes_since_previous(db, patient_id, state.latest) if state.latest else None,
        generated_on=today(), prompts=prompt_lines(db, patient_id))
    pages = write_summary_pdf(data, out)
    path = out.expanduser().absolute()
    try:
        with db.transaction() as s:
            audit.record(s, actor, "pdf.exported", entity="summary", entity_key=course.patient.mrn,
                         patient_id=patient_id, details={"file": path.name, "pages": pages, "kind": "clinician summary"})
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()  # a summary the audit log does not know about must not be left behind
        raise
    return path, pages


def prompt_lines(db: Database, patient_id: int) -> tuple[PromptLine, ...]:
    """Open prompts first, then the decisions (who, when, why), as the summary prints them."""
    from careplan.reporting.summary import PromptLine
    from careplan.services.prompts import prompts_for

    lines = []
    for p in sorted(prompts_for(db, patient_id), key=lambda p: p.state != "open"):
        because = "; ".join(f"{t.what} {t.value}" + (f" ({t.on.isoformat()})" if t.on else "") for t in p.triggered_by)
        decision = ""
        if p.state != "open":
            when = f"{p.decided_at.astimezone():%Y-%m-%d %H:%M}" if p.decided_at else "-"
            decision = f"{p.state.capitalize()} by {p.decided_by or '-'}, {when}" + (f": {p.reason}" if p.reason else "")
        lines.append(PromptLine(p.title, p.state, because, decision, p.source))
    return tuple(lines)
