"""`careplan export-fhir`: the patient's latest plan revision as a FHIR R4B Bundle, validated, then written.

fhir.resources (pydantic) is imported here only, when the command runs, so start-up is untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.fhir import plan_bundle
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.output_target import check_target, commit_logged, stage
from careplan.services.plans import load_plan

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
    path: Path
    revision: int
    resources: int


def export_fhir(db: Database, patient_id: int, out: Path, *, actor: str, force: bool = False) -> FhirResult:
    state = load_plan(db, patient_id)
    if state.latest is None:
        raise CarePlanError(f"{state.patient.mrn} has no saved plan yet; there is nothing to export. Nothing was written.")
    out = check_target(out, what=WHAT, db=db, force=force)
    bundle = plan_bundle(state.patient, state.latest)
    validate_bundle(bundle)
    count = len(bundle["entry"])
    with stage(out, WHAT) as staged:
        staged.file.write((json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        check_target(out, what=WHAT, db=db, force=force)

        def record(s: Session) -> None:
            audit.record(s, actor, "data.exported", entity="export", entity_key=out.name, patient_id=patient_id,
                         details={"file": out.name, "format": "fhir-r4b", "revision": state.number})

        commit_logged(staged, db, record)
    return FhirResult(out, state.number, count)
