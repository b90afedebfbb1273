"""Assessments in the export file: written with each patient, read back and merged on import.

An assessment is history like a revision: imported ones keep their author, date and the time
they were recorded. An assessment is matched with one already saved by all of its values and
its recording time, so importing the same file twice adds nothing the second time. In the file
"supersedes" names the "id" of another assessment of the same patient in the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.domain.course import (
    Assessment,
    FvcPosition,
    Provision,
    parse_alsfrs,
    validate_assessment,
)
from careplan.domain.errors import CarePlanError, ValidationError
from careplan.domain.patient import Patient
from careplan.domain.text import quoted
from careplan.persistence.models import AssessmentRow
from careplan.services.clock import today
from careplan.services.course import row_values
from careplan.services.export_rows import rows_by_patient

CHUNK = 500
VALUE_KEYS = ("alsfrs", "fvc_pct", "fvc_litres", "fvc_position", "snip_cmh2o", "weight_kg", "niv", "gastrostomy",
              "kings_recorded")


@dataclass(frozen=True)
class FileAssessment:
    file_id: int
    recorded_at: datetime
    assessment: Assessment  # its `supersedes` is a file id


def assessment_json(row: AssessmentRow) -> dict[str, Any]:
    return {"id": row.id, "recorded_at": row.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "date": row.assessed_on.isoformat(), "author": row.author, "supersedes": row.supersedes,
            "reason": row.reason, **{k: getattr(row, k) for k in VALUE_KEYS}}


def export_assessments(s: Session, patient_ids: Sequence[int] | None) -> dict[int, list[dict[str, Any]]]:
    """Every assessment (superseded ones too) of the patients, by patient id, in the order recorded."""
    return rows_by_patient(s, AssessmentRow, patient_ids, assessment_json)


def parse_assessments(d: dict[str, Any], patient: Patient | None, where: str,
                      problems: list[str]) -> tuple[FileAssessment, ...]:
    """The file's assessments of one patient, each checked by the rules the app applies."""
    out: list[FileAssessment] = []
    seen: set[int] = set()
    for j, x in enumerate(d.get("assessments", [])):
        at = f"{where}.assessments[{j}]"
        before = len(problems)
        try:
            recorded = datetime.fromisoformat(x["recorded_at"]).astimezone(UTC)
            assessed_on = datetime.fromisoformat(x["date"]).date()
        except (ValueError, OverflowError):
            problems.append(f"{at}: {quoted(x['date'])} or {quoted(x['recorded_at'])} is not a real date")
            continue
        if x["supersedes"] is not None and x["supersedes"] not in seen:
            problems.append(f"{at}.supersedes: {x['supersedes']} is not the id of an earlier assessment of this patient")
        try:
            a = Assessment(
                assessed_on=assessed_on, author=x["author"], supersedes=x["supersedes"], reason=x["reason"],
                alsfrs=parse_alsfrs(x["alsfrs"]) if x["alsfrs"] is not None else None,
                fvc_pct=x["fvc_pct"], fvc_litres=x["fvc_litres"],
                fvc_position=FvcPosition(x["fvc_position"]) if x["fvc_position"] else None,
                snip_cmh2o=x["snip_cmh2o"], weight_kg=x["weight_kg"],
                niv=Provision(x["niv"]) if x["niv"] else None,
                gastrostomy=Provision(x["gastrostomy"]) if x["gastrostomy"] else None,
                kings_recorded=x["kings_recorded"],
            )
            validate_assessment(a, today=today(), date_of_birth=patient.date_of_birth if patient else None)
        except ValidationError as e:
            problems.extend(f"{at}.{fp.field}: {fp.message}" for fp in e.problems)
            continue
        seen.add(x["id"])
        if len(problems) == before:
            out.append(FileAssessment(x["id"], recorded, a))
    return tuple(out)


def _key(recorded_at: datetime, values: dict[str, Any]) -> tuple[Any, ...]:
    plain = {k: v for k, v in values.items() if k != "supersedes"}
    return (recorded_at.astimezone(UTC), *sorted(plain.items()))


def import_assessments(s: Session, patient_id: int, mrn: str, file_assessments: Sequence[FileAssessment]) -> int:
    """Add the file's assessments the patient does not have yet; returns how many were added."""
    if not file_assessments:
        return 0
    have = list(s.scalars(select(AssessmentRow).where(AssessmentRow.patient_id == patient_id)))
    by_key = {_key(r.recorded_at, _row_dict(r)): r.id for r in have}
    superseded = {r.supersedes for r in have if r.supersedes is not None}
    ids: dict[int, int] = {}  # file id -> database id
    added = 0
    for fa in file_assessments:
        values = row_values(fa.assessment)
        existing = by_key.get(_key(fa.recorded_at, values))
        if existing is not None:
            ids[fa.file_id] = existing
            continue
        target = ids[fa.assessment.supersedes] if fa.assessment.supersedes is not None else None
        if target is not None and target in superseded:
            raise CarePlanError(f"The file corrects assessment {target} of {mrn}, which CarePlan already holds "
                                "a different correction of; the two histories have split. Nothing was imported.")
        values["supersedes"] = target
        if target is not None:
            superseded.add(target)
        row = AssessmentRow(patient_id=patient_id, recorded_at=fa.recorded_at, **values)
        s.add(row)
        s.flush()
        ids[fa.file_id] = row.id
        added += 1
    return added


def _row_dict(r: AssessmentRow) -> dict[str, Any]:
    return {"assessed_on": r.assessed_on, "author": r.author, "reason": r.reason,
            **{k: getattr(r, k) for k in VALUE_KEYS}}
