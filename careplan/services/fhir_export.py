"""`careplan fhir` (alias `export-fhir`): the patient's plan (the latest revision, or with history every
revision) and ALS course as a FHIR R4B Bundle, validated, then written to a file or returned for stdout.

fhir.resources (pydantic) is imported here only, when the command runs, so start-up is untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.fhir import record_bundle
from careplan.persistence.engine import Database
from careplan.services import audit, course, plans
from careplan.services.output_target import check_target, commit_logged, stage

WHAT = "the FHIR export"


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Parse the bundle and every resource in it with the R4B models; CarePlanError names the first problem."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class("Bundle").model_validate(bundle)
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise CarePlanError(f"The FHIR bundle did not pass R4B validation ({where}: {first.get('msg')}); "
                            "nothing was written. Please report this.") from None


@dataclass(frozen=True)
class FhirResult:
    path: Path | None  # None: the bundle went to standard output (`text`)
    revision: int
    resources: int
    text: str = ""


def build_bundle(db: Database, patient_id: int, *, history: bool = False) -> tuple[dict[str, Any], int]:
    """The validated bundle and the number of the latest revision in it.

    Without history: the latest revision and the assessments nobody corrected. With history: every
    revision, and every assessment, the corrected ones marked entered-in-error."""
    state = plans.load_plan(db, patient_id)
    if state.latest is None:
        raise CarePlanError(f"{state.patient.mrn} has no saved plan yet; there is nothing to export. Nothing was written.")
    revisions = [state.latest]
    if history:
        revisions = [plans.get_revision(db, patient_id, r.number) for r in plans.history(db, patient_id)
                     if r.number != state.number] + revisions
    everything = course.history(db, patient_id)
    superseded = frozenset(a.supersedes for a in everything if a.supersedes is not None)
    assessments = everything if history else course.current(everything)
    bundle = record_bundle(state.patient, revisions, assessments, superseded)
    validate_bundle(bundle)
    return bundle, state.number


def bundle_text(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def export_fhir(db: Database, patient_id: int, out: Path | None, *, actor: str, force: bool = False,
                history: bool = False) -> FhirResult:
    """Write the bundle to `out` (or return it as text when `out` is None); logged in the audit log."""
    target = check_target(out, what=WHAT, db=db, force=force) if out is not None else None
    bundle, number = build_bundle(db, patient_id, history=history)
    count, text = len(bundle["entry"]), bundle_text(bundle)

    def record(s: Session) -> None:
        audit.record(s, actor, "data.exported", entity="export", entity_key=target.name if target else "stdout",
                     patient_id=patient_id, details={"file": target.name if target else "-", "format": "fhir-r4b",
                                                     "revision": number, "history": history})

    if target is None:
        with db.transaction() as s:
            record(s)
        return FhirResult(None, number, count, text)
    with stage(target, WHAT) as staged:
        staged.file.write(text.encode("utf-8"))
        check_target(target, what=WHAT, db=db, force=force)
        commit_logged(staged, db, record)
    return FhirResult(target, number, count)
