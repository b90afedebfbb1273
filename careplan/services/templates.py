"""Starter plans: the clinic's templates (services/template_store.py), and applying one to a plan as one revision."""

from __future__ import annotations

from dataclasses import dataclass

from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import PlanReadOnlyError, plan_read_only
from careplan.domain.plan import PlanItem, Revision, validate_reason
from careplan.domain.templates import Template, items_to_add
from careplan.persistence.engine import Database
from careplan.services import catalogue
from careplan.services.clock import today
from careplan.services.plans import load_plan, save_revision
from careplan.services.template_store import (
    TEMPLATES_FILE,
    get_template,
    list_templates,
    load_templates_file,
    shipped_templates,
)

__all__ = ["TEMPLATES_FILE", "Applied", "apply_template", "get_template", "list_templates", "load_templates_file",
           "preview", "shipped_templates", "usable_template"]


def usable_template(db: Database, code: str) -> Template:
    """The template to apply: unknown and retired ones are refused, naming what to do instead."""
    template = get_template(db, code)
    if not template.active:
        raise CarePlanError(f"The starter plan '{code}' ({template.label}) is retired; reinstate it first "
                            f"(`careplan templates reinstate {code}`). Nothing was changed.")
    return template


@dataclass(frozen=True)
class Applied:
    template: Template
    added: tuple[PlanItem, ...]
    revision: Revision | None  # None: every item was already in the plan, so nothing was saved


def preview(db: Database, patient_id: int, code: str) -> tuple[Template, tuple[PlanItem, ...]]:
    """What applying the template would add to the latest saved plan, without saving anything."""
    template = usable_template(db, code)
    state = load_plan(db, patient_id)
    cat = {c.code: c for c in catalogue.list_items(db, include_retired=True)}
    on = today()
    return template, items_to_add(template, state.content(on), cat, state.patient.care_team, on)


def apply_template(db: Database, patient_id: int, code: str, *, author: str, reason: str) -> Applied:
    """Add the template's missing items as one revision whose reason names the template and version.

    Refused, with nothing saved, for a read-only (discharged, deceased) patient: save_revision's
    single writer checks that inside its transaction.
    """
    if not reason.strip():
        raise CarePlanError("Say why the template is applied: the reason cannot be empty.")
    template = usable_template(db, code)
    state = load_plan(db, patient_id)
    if (why := plan_read_only(state.patient)) is not None:  # also when there would be nothing to add
        raise PlanReadOnlyError(f"{state.patient.mrn}: {why} Nothing was saved.")
    cat = {c.code: c for c in catalogue.list_items(db, include_retired=True)}
    on = today()
    content = state.content(on)
    added = items_to_add(template, content, cat, state.patient.care_team, on)
    full_reason = f"{template.label}: {reason.strip()}"
    validate_reason(state.number + 1, full_reason)
    if not added:
        return Applied(template, (), None)
    rev = save_revision(db, patient_id, base_revision=state.number, content=content.with_items(content.items + added),
                        author=author, reason=full_reason)
    return Applied(template, added, rev)
