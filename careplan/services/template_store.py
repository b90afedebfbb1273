"""The clinic's starter plans: seeded from the shipped templates.yaml, then the clinic's own to edit.

Works like the catalogue (services/catalogue.py): templates are never deleted, only retired; a
newer app version adds its new templates and updates the ones the clinic left alone, and a
template the clinic edited keeps the clinic's version. Every change is audited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from importlib.resources.abc import Traversable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from careplan.domain.errors import CarePlanError
from careplan.domain.templates import (
    Template,
    TemplateFileError,
    items_from_json,
    items_to_json,
    parse_templates,
    templates_from_data,
    templates_to_data,
)
from careplan.paths import resource
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import CatalogueItemRow, TemplateRow
from careplan.services import audit, catalogue
from careplan.services.clock import utcnow
from careplan.services.shipped_sync import (
    ShippedKind,
    changed_since_synced,
    files_digest,
    set_fields,
    sync_kind,
)

TEMPLATES_FILE = resource("templates.yaml")
SYNCED_KEY = "templates_file_sha256"


def load_templates_file(path: Traversable | None = None) -> list[Template]:
    """Parse the shipped file, checking every item code against the shipped catalogue."""
    path = path or TEMPLATES_FILE  # read when called: a test can put a newer "shipped" file in its place
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CarePlanError(f"Cannot read the starter plans file {path.name}: {e}") from None
    codes = [item.code for item in catalogue.shipped_catalogue()]
    return parse_templates(text, path.name, codes)


@lru_cache(maxsize=1)
def shipped_templates() -> tuple[Template, ...]:
    return tuple(load_templates_file())


def template_hash(t: Template | TemplateRow) -> str:
    """What the clinic can change in a template; equal hashes mean "as shipped"."""
    items = items_to_json(t.items) if isinstance(t, Template) else json.loads(t.items_json)
    data = {"version": t.version, "title": t.title, "applies_when": t.applies_when, "source": t.source,
            "items": items}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def to_domain(r: TemplateRow) -> Template:
    return Template(code=r.code, version=r.version, title=r.title, applies_when=r.applies_when, source=r.source,
                    items=items_from_json(json.loads(r.items_json)), active=r.active, custom=r.custom,
                    edited_by=r.edited_by, edited_at=r.edited_at, row_version=r.version_id)


def _content(t: Template) -> dict[str, object]:
    return {"version": t.version, "title": t.title, "applies_when": t.applies_when, "source": t.source,
            "items_json": json.dumps(items_to_json(t.items), ensure_ascii=False)}


# --- the shipped file -----------------------------------------------------------------------------

SHIPPED: ShippedKind[Template, TemplateRow] = ShippedKind(
    TemplateRow, SYNCED_KEY, "template.seeded", "templates", code=lambda t: t.code, entry_hash=template_hash,
    row_hash=template_hash,
    new_row=lambda t, h: TemplateRow(code=t.code, **_content(t), active=True, custom=False, shipped_hash=h),
    update=lambda row, t: set_fields(row, _content(t)))


def sync_shipped_templates_if_changed(db: Database) -> dict[str, int] | None:
    """Start-up path: sync only when the shipped file differs from the one last synced (parsing costs)."""
    digest = changed_since_synced(db, SYNCED_KEY, TEMPLATES_FILE)
    return None if digest is None else sync_templates(db, _digest=digest)


def sync_templates(db: Database, templates: list[Template] | tuple[Template, ...] | None = None,
                   *, actor: str = "CarePlan", _digest: str | None = None) -> dict[str, int]:
    """Bring the shipped templates into the database without overwriting the clinic's edits."""
    if templates is None:
        templates = shipped_templates()
        _digest = _digest or files_digest(TEMPLATES_FILE)
    return sync_kind(db, SHIPPED, templates, actor=actor, digest=_digest)


# --- reading --------------------------------------------------------------------------------------

def list_templates(db: Database, *, include_retired: bool = False) -> list[Template]:
    """In the order they were added: the shipped phases first, then the clinic's own."""
    q = select(TemplateRow).order_by(TemplateRow.id)
    if not include_retired:
        q = q.where(TemplateRow.active.is_(True))
    with db.reading() as s:
        return [to_domain(r) for r in s.scalars(q)]


def _known(s: Session) -> str:
    return ", ".join(s.scalars(select(TemplateRow.code).order_by(TemplateRow.id))) or "none yet"


def _row(s: Session, code: str) -> TemplateRow:
    row = s.scalar(select(TemplateRow).where(TemplateRow.code == code))
    if row is None:
        raise CarePlanError(f"There is no starter plan '{code}'; the known codes are: {_known(s)}.")
    return row


def get_template(db: Database, code: str) -> Template:
    with db.reading() as s:
        return to_domain(_row(s, code))


def templates_yaml(templates: list[Template]) -> str:
    """Templates in the file's own format, so a clinic can edit one and give it back (`templates edit`)."""
    import yaml

    return yaml.safe_dump(templates_to_data(templates), allow_unicode=True, sort_keys=False, width=100)


# --- the clinic's changes -------------------------------------------------------------------------

def catalogue_codes(db: Database) -> tuple[list[str], list[str]]:
    """(in use, retired) catalogue codes: what a clinic template may name, and what it may not."""
    with db.reading() as s:
        rows = s.execute(select(CatalogueItemRow.code, CatalogueItemRow.active)).all()
    return [c for c, active in rows if active], [c for c, active in rows if not active]


class TemplateConflictError(CarePlanError):
    """Someone else saved the template after it was read; nothing was saved."""

    def __init__(self, code: str, who: str | None, when: datetime | None):
        at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
        super().__init__(f"{who or 'Someone else'} changed the starter plan '{code}'{at}, after you opened it. "
                         "Nothing was saved: look again and retry.")


def _check(s: Session, templates: list[Template], where: str) -> None:
    """The checks a clinic's YAML file gets, for templates made any other way (the app, an import)."""
    rows = s.execute(select(CatalogueItemRow.code, CatalogueItemRow.active)).all()
    try:
        templates_from_data(templates_to_data(templates), "the starter plan", [c for c, active in rows if active],
                            [c for c, active in rows if not active])
    except TemplateFileError as e:
        raise CarePlanError(f"{where} cannot be saved: {'; '.join(e.problems)} Nothing was saved.") from None


def _checked_row(s: Session, code: str, expected_version: int | None) -> TemplateRow:
    row = _row(s, code)
    if expected_version is not None and row.version_id != expected_version:
        raise TemplateConflictError(code, row.edited_by, row.edited_at)
    return row


def _raced(db: Database, code: str) -> TemplateConflictError:
    with db.reading() as s:
        row = _row(s, code)
        return TemplateConflictError(code, row.edited_by, row.edited_at)


def add_templates(db: Database, templates: list[Template], *, actor: str) -> list[Template]:
    """Add the clinic's own templates, all or none; a code already used is refused by name."""
    try:
        with db.transaction() as s:
            _check(s, templates, "The new starter plan")
            taken = [t.code for t in templates
                     if s.scalar(select(TemplateRow.id).where(TemplateRow.code == t.code)) is not None]
            if taken:
                raise CarePlanError(f"A starter plan with the code {', '.join(taken)} already exists; use "
                                    "`careplan templates edit` to change it, or another code. Nothing was saved.")
            now = utcnow()
            for t in templates:
                s.add(TemplateRow(code=t.code, **_content(t), active=True, custom=True, shipped_hash=None,
                                  edited_by=actor, edited_at=now))
                audit.record(s, actor, "template.added", entity="template", entity_key=t.code,
                             details={"version": t.version, "items": [i.code for i in t.items]})
    except IntegrityError as e:  # another coordinator added the same code at the same moment
        if violated_constraint(e) == "uq_templates_code":
            raise CarePlanError("Another coordinator added a starter plan with the same code just now. "
                                "Nothing was saved.") from None
        raise
    return [replace(t, custom=True, edited_by=actor, edited_at=now) for t in templates]


def edit_template(db: Database, new: Template, *, actor: str, expected_version: int | None = None) -> Template:
    """Replace a template's text and items; its version goes up, so plans' histories tell the two apart.

    The version saved is one more than the stored one, or the edited one if that is higher.
    Unchanged content saves nothing.
    """
    try:
        with db.transaction() as s:
            row = _checked_row(s, new.code, expected_version)
            before = to_domain(row)
            if template_hash(replace(new, version=before.version)) == template_hash(row):
                return before
            after = replace(new, version=max(new.version, before.version + 1))
            _check(s, [after], f"The edited starter plan {new.code}")
            diff = {k: {"before": str(getattr(before, k)), "after": str(getattr(after, k))}
                    for k in ("version", "title", "applies_when", "source") if getattr(before, k) != getattr(after, k)}
            if before.items != after.items:
                diff["items"] = {"before": json.dumps(items_to_json(before.items), ensure_ascii=False),
                                 "after": json.dumps(items_to_json(after.items), ensure_ascii=False)}
            for k, v in _content(after).items():
                setattr(row, k, v)
            row.edited_by, row.edited_at = actor, utcnow()
            audit.record(s, actor, "template.edited", entity="template", entity_key=new.code, details={"fields": diff})
            s.flush()  # the UPDATE runs here, checking and bumping version_id
            return to_domain(row)
    except StaleDataError:
        raise _raced(db, new.code) from None


def set_active(db: Database, code: str, active: bool, *, actor: str, expected_version: int | None = None) -> Template:
    """Retire (active=False) or reinstate a template; plans it was applied to keep their items."""
    try:
        with db.transaction() as s:
            row = _checked_row(s, code, expected_version)
            if row.active != active:
                row.active = active
                row.edited_by, row.edited_at = actor, utcnow()
                audit.record(s, actor, "template.reinstated" if active else "template.retired",
                             entity="template", entity_key=code, details={"version": row.version})
                s.flush()
            return to_domain(row)
    except StaleDataError:
        raise _raced(db, code) from None
