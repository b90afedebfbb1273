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
from careplan.services.signatures import signatures_of

if TYPE_CHECKING:
    from careplan.reporting.summary import OpenPrompt, PromptDecision


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
    open_prompts, decided = prompt_lines(db, patient_id)
    data = SummaryData(
        patient=course.patient, headline=headline(course, today()), table_header=COLUMNS,
        table_rows=[row_cells(e) for e in reversed(course.entries)], rules=rules, charts=chart_specs(course),
        revision=state.latest,
        changes=changes_since_previous(db, patient_id, state.latest) if state.latest else None,
        generated_on=today(), open_prompts=open_prompts, prompt_decisions=decided,
        signatures=tuple(signatures_of(db, patient_id).get(state.latest.number, [])) if state.latest else ())
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


def prompt_lines(db: Database, patient_id: int) -> tuple[tuple[OpenPrompt, ...], tuple[PromptDecision, ...]]:
    """The open prompts, and every decision ever taken on one, newest first, as the summary prints them."""
    from careplan.reporting.summary import OpenPrompt, PromptDecision
    from careplan.services.prompt_store import decisions_for
    from careplan.services.prompts import prompts_for
    from careplan.services.rules import rules_in

    open_ = tuple(OpenPrompt(p.title, "; ".join(f"{t.what} {t.value}" + (f" ({t.on.isoformat()})" if t.on else "")
                                                 for t in p.triggered_by), p.source)
                  for p in prompts_for(db, patient_id) if p.state == "open")
    with db.reading() as s:
        titles = {r.code: r.title for r in rules_in(s, include_retired=True)}
        decisions = decisions_for(s, [patient_id]).get(patient_id, [])
    decided = tuple(PromptDecision(f"{d.at.astimezone():%Y-%m-%d %H:%M}", titles.get(d.rule, d.rule), d.decision,
                                   d.actor, d.reason) for d in reversed(decisions))
    return open_, decided
