"""Starter plans: the shipped templates, and applying one to a patient's plan as one revision."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources.abc import Traversable

from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import PlanReadOnlyError, plan_read_only
from careplan.domain.plan import PlanItem, Revision, validate_reason
from careplan.domain.templates import Template, items_to_add, parse_templates
from careplan.paths import resource
from careplan.persistence.engine import Database
from careplan.services import catalogue
from careplan.services.clock import today
from careplan.services.plans import load_plan, save_revision

TEMPLATES_FILE = resource("templates.yaml")


def load_templates_file(path: Traversable = TEMPLATES_FILE) -> list[Template]:
    """Parse the file, checking every item code against the shipped catalogue."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CarePlanError(f"Cannot read the starter plans file {path.name}: {e}") from None
    codes = [item.code for item in catalogue.shipped_catalogue()]
    return parse_templates(text, path.name, codes)


@lru_cache(maxsize=1)
def shipped_templates() -> tuple[Template, ...]:
    return tuple(load_templates_file())


def get_template(code: str) -> Template:
    for t in shipped_templates():
        if t.code == code:
            return t
    known = ", ".join(t.code for t in shipped_templates())
    raise CarePlanError(f"There is no starter plan '{code}'; the known codes are: {known}.")


@dataclass(frozen=True)
class Applied:
    template: Template
    added: tuple[PlanItem, ...]
    revision: Revision | None  # None: every item was already in the plan, so nothing was saved


def preview(db: Database, patient_id: int, code: str) -> tuple[Template, tuple[PlanItem, ...]]:
    """What applying the template would add to the latest saved plan, without saving anything."""
    template = get_template(code)
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
    template = get_template(code)
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
