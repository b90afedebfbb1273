"""Starter plans in and out of files: the clinic's YAML (templates add/edit) and FHIR R4B PlanDefinition.

fhir.resources (pydantic) is imported only inside the FHIR functions, when those commands run,
so start-up is untouched (as services/fhir_export.py does for the plan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.fhir import CATALOGUE_SYSTEM
from careplan.domain.fhir_plandefinition import plan_definition, template_data
from careplan.domain.templates import (
    Template,
    TemplateFileError,
    parse_templates,
    templates_from_data,
)
from careplan.persistence.engine import Database
from careplan.services import audit, catalogue
from careplan.services.output_target import check_target, commit_logged, stage
from careplan.services.template_store import add_templates, catalogue_codes, get_template

WHAT = "the PlanDefinition"
# A shared starter plan is a few kilobytes; a file far larger than that is not one, and is not read whole.
MAX_FILE_BYTES = 2_000_000


def _read_text(path: Path, what: str) -> str:
    """The file's text, or one line saying why it cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CarePlanError(f"{path} is too big to be {what} (over {MAX_FILE_BYTES // 1_000_000} MB); "
                                "nothing was changed.")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CarePlanError(f"There is no file {path}; nothing was changed.") from None
    except UnicodeDecodeError:
        raise CarePlanError(f"{path} is not UTF-8 text, so it cannot be {what}; nothing was changed.") from None
    except OSError as e:
        raise CarePlanError(f"Cannot read {path}: {e.strerror or e}. Nothing was changed.") from None


def read_template_file(db: Database, path: Path) -> list[Template]:
    """The templates in a clinic's YAML file, checked like the shipped file against this clinic's catalogue."""
    active, retired = catalogue_codes(db)
    return parse_templates(_read_text(path, "a starter plans file"), str(path), active, retired)


# --- FHIR PlanDefinition --------------------------------------------------------------------------

def _validated(resource: dict[str, Any], where: str) -> None:
    """Parse with the R4B PlanDefinition model; CarePlanError names the first problem."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class("PlanDefinition").model_validate(resource)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        raise CarePlanError(f"{where} is not a valid FHIR R4B PlanDefinition ({field}: {first.get('msg')}); "
                            "nothing was changed.") from None


def export_plan_definition(db: Database, code: str, out: Path, *, actor: str, force: bool = False) -> Path:
    """Write the template as a validated PlanDefinition; the export is audited like every other."""
    template = get_template(db, code)
    out = check_target(out, what=WHAT, db=db, force=force)
    titles = {i.code: i.title for i in catalogue.list_items(db, include_retired=True)}
    resource = plan_definition(template, titles)
    try:
        _validated(resource, f"The starter plan {code}")
    except CarePlanError as e:  # our own mapping is wrong: a bug, said as such
        raise CarePlanError(f"{e} Please report this.") from None
    with stage(out, WHAT) as staged:
        staged.file.write((json.dumps(resource, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        check_target(out, what=WHAT, db=db, force=force)

        def record(s: Session) -> None:
            audit.record(s, actor, "data.exported", entity="template", entity_key=code,
                         details={"file": out.name, "format": "fhir-r4b-plandefinition", "version": template.version})

        commit_logged(staged, db, record)
    return out


def import_plan_definition(db: Database, path: Path, *, code: str | None, actor: str) -> Template:
    """Add a PlanDefinition as one of the clinic's templates; any problem is one line and nothing is saved."""
    text = _read_text(path, "a FHIR PlanDefinition")
    try:
        resource = json.loads(text)
    except json.JSONDecodeError as e:
        raise CarePlanError(f"{path}, line {e.lineno}: this is not valid JSON ({e.msg}); nothing was changed.") from None
    if not isinstance(resource, dict):
        raise CarePlanError(f"{path} holds a JSON {type(resource).__name__}, not a FHIR resource; nothing was changed.")
    kind = resource.get("resourceType")
    if kind != "PlanDefinition":
        what = f"a FHIR {kind}" if isinstance(kind, str) and kind else "no FHIR resourceType"
        raise CarePlanError(f"{path} holds {what}, not a PlanDefinition; nothing was changed.")
    _validated(resource, str(path))
    for n, action in enumerate(resource.get("action") or [], start=1):
        if template_data({"action": [action]}, code)["templates"][0]["items"][0]["code"] is None:
            raise CarePlanError(f"{path}: action {n} has no code from {CATALOGUE_SYSTEM}, so it is not one of our "
                                "catalogue items; nothing was changed.")
    active, retired = catalogue_codes(db)
    try:
        [template] = templates_from_data(template_data(resource, code), path.name, active, retired)
    except TemplateFileError as e:  # one line: each problem without the file's template-and-line prefix
        said = [p.split(": ", 1)[-1] for p in e.problems]
        said = [f"action {p[5:]}" if p.startswith("item ") else p for p in said]
        raise CarePlanError(f"{path} cannot be added as a starter plan: {'; '.join(said)} Nothing was changed.") from None
    [saved] = add_templates(db, [template], actor=actor)
    return saved
