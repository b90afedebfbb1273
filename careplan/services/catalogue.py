"""The clinic's catalogue: seeded from the shipped file, then the clinic's own to edit.

Items are never deleted, only retired. A newer app version adds its new items and updates
items the clinic has not touched; an item the clinic edited keeps the clinic's words.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from datetime import datetime
from functools import lru_cache
from importlib.resources.abc import Traversable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError, FieldProblem, ValidationError
from careplan.domain.team import Role
from careplan.paths import resource
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import CatalogueItemRow
from careplan.services import audit
from careplan.services.clock import utcnow
from careplan.services.shipped_sync import (
    ShippedKind,
    changed_since_synced,
    files_digest,
    set_fields,
    sync_kind,
)

CATALOGUE_FILE = resource("catalogue.yaml")
SCHEMA_FILE = resource("catalogue.schema.json")
TEXT_FIELDS = ("title", "clinical_description", "caregiver_instructions", "frequency", "role", "safety_notes", "source", "discipline")
EDITABLE_FIELDS = ("title", "clinical_description", "caregiver_instructions", "frequency", "role", "safety_notes", "discipline")


def load_catalogue_file(path: Traversable = CATALOGUE_FILE, schema_path: Traversable = SCHEMA_FILE) -> list[CatalogueItem]:
    """Parse and validate a catalogue file; raises CatalogueFileError naming file, item and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CarePlanError(f"Cannot read the catalogue file {path}: {e}") from None
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    # Imported here: YAML and jsonschema are slow to import, and start-up rarely needs them.
    from careplan.domain.catalogue_parse import parse_catalogue

    return parse_catalogue(text, str(path), schema)


@lru_cache(maxsize=1)
def shipped_catalogue() -> tuple[CatalogueItem, ...]:
    return tuple(load_catalogue_file())


def item_hash(item: CatalogueItem | CatalogueItemRow) -> str:
    data = {f: str(getattr(item, f)) for f in TEXT_FIELDS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _to_domain(r: CatalogueItemRow) -> CatalogueItem:
    return CatalogueItem(
        code=r.code,
        discipline=Discipline(r.discipline),
        title=r.title,
        clinical_description=r.clinical_description,
        caregiver_instructions=r.caregiver_instructions,
        frequency=r.frequency,
        role=Role(r.role),
        source=r.source,
        safety_notes=r.safety_notes,
        active=r.active,
        custom=r.custom,
        version=r.version_id,
    )


class CatalogueConflictError(CarePlanError):
    """Someone else saved the item after it was read; `theirs` is the item as they left it."""

    def __init__(self, theirs: CatalogueItem, who: str | None, when: datetime | None):
        self.theirs, self.who, self.when = theirs, who, when
        at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
        super().__init__(f"{who or 'Someone else'} changed the catalogue item '{theirs.code}'{at}, after you opened "
                         "it. Nothing was saved: read their version and try again.")


def _row_values(item: CatalogueItem) -> dict[str, object]:
    d = asdict(item)
    del d["version"]  # the row keeps its own version_id, bumped by SQLAlchemy on every update
    d["discipline"] = item.discipline.value
    d["role"] = item.role.value
    return d


SYNCED_KEY = "catalogue_file_sha256"


def shipped_file_digest() -> str:
    return files_digest(CATALOGUE_FILE, SCHEMA_FILE)


SHIPPED: ShippedKind[CatalogueItem, CatalogueItemRow] = ShippedKind(
    CatalogueItemRow, SYNCED_KEY, "catalogue.seeded", "catalogue", code=lambda i: i.code, entry_hash=item_hash,
    row_hash=item_hash, new_row=lambda i, h: CatalogueItemRow(**_row_values(i), shipped_hash=h),
    update=lambda row, i: set_fields(row, {f: _row_values(i)[f] for f in TEXT_FIELDS}))


def sync_shipped_catalogue_if_changed(db: Database) -> dict[str, int] | None:
    """Start-up path: sync only when the shipped file differs from the one last synced."""
    digest = changed_since_synced(db, SYNCED_KEY, CATALOGUE_FILE, SCHEMA_FILE)
    return None if digest is None else sync_catalogue(db, _digest=digest)


def sync_catalogue(db: Database, items: list[CatalogueItem] | tuple[CatalogueItem, ...] | None = None,
                   *, actor: str | None = None, _digest: str | None = None) -> dict[str, int]:
    """Bring the shipped items into the database without overwriting the clinic's edits.

    Recorded as done by "CarePlan", or on a shared server by the login's printed name (the server
    refuses any other name from a staff login: persistence/who.py)."""
    actor = actor or db.server_name or "CarePlan"
    if items is None:
        items = shipped_catalogue()
        _digest = _digest or shipped_file_digest()
    return sync_kind(db, SHIPPED, items, actor=actor, digest=_digest)


def list_items(db: Database, *, include_retired: bool = False) -> list[CatalogueItem]:
    q = select(CatalogueItemRow)
    if not include_retired:
        q = q.where(CatalogueItemRow.active.is_(True))
    with db.reading() as s:
        items = [_to_domain(r) for r in s.scalars(q)]
    return sorted(items, key=lambda i: (i.discipline.order, i.title.casefold()))


def get_item(db: Database, code: str) -> CatalogueItem:
    with db.reading() as s:
        row = s.scalar(select(CatalogueItemRow).where(CatalogueItemRow.code == code))
    if row is None:
        raise CarePlanError(f"The catalogue has no item '{code}'.")
    return _to_domain(row)


def _validate_custom(item: CatalogueItem) -> None:
    from careplan.domain.catalogue_parse import validate_custom_item

    validate_custom_item(item)


def last_edit(db: Database, code: str) -> tuple[str, datetime] | None:
    """Who last changed an item in this clinic, and when; None for an untouched shipped item."""
    with db.reading() as s:
        row = s.execute(select(CatalogueItemRow.edited_by, CatalogueItemRow.edited_at)
                        .where(CatalogueItemRow.code == code)).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def add_custom_item(db: Database, item: CatalogueItem, *, actor: str) -> CatalogueItem:
    item = replace(item, custom=True, active=True, source=item.source or "Clinic")
    _validate_custom(item)
    taken = ValidationError([FieldProblem("code", f"The code '{item.code}' is already used by another item.")])
    try:
        with db.transaction() as s:
            if s.scalar(select(CatalogueItemRow.id).where(CatalogueItemRow.code == item.code)) is not None:
                raise taken
            s.add(CatalogueItemRow(**_row_values(item), shipped_hash=None, edited_by=actor, edited_at=utcnow()))
            audit.record(s, actor, "catalogue.added", entity="catalogue_item", entity_key=item.code)
    except IntegrityError as e:  # another coordinator added the same code at the same moment
        if violated_constraint(e) == "uq_catalogue_items_code":
            raise taken from None
        raise
    return item


def with_edits(item: CatalogueItem, changes: dict[str, str]) -> CatalogueItem:
    """The item with edited fields (as edit_item takes them: discipline and role by value) applied."""
    values = {k: (Discipline(v) if k == "discipline" else Role(v) if k == "role" else v) for k, v in changes.items()}
    return replace(item, **values)  # type: ignore[arg-type]


def _row_to_change(s: Session, code: str, expected_version: int | None) -> CatalogueItemRow:
    """The item's row, refused when it was saved by someone else since `expected_version` was read."""
    row = s.scalar(select(CatalogueItemRow).where(CatalogueItemRow.code == code))
    if row is None:
        raise CarePlanError(f"The catalogue has no item '{code}'.")
    if expected_version is not None and row.version_id != expected_version:
        raise CatalogueConflictError(_to_domain(row), row.edited_by, row.edited_at)
    return row


def _raced(db: Database, code: str) -> CatalogueConflictError:
    """Another save committed between our read and our UPDATE (the version check in its WHERE failed)."""
    with db.reading() as s:
        row = s.scalar(select(CatalogueItemRow).where(CatalogueItemRow.code == code))
        assert row is not None  # items are never deleted
        return CatalogueConflictError(_to_domain(row), row.edited_by, row.edited_at)


def edit_item(db: Database, code: str, changes: dict[str, str], *, actor: str,
              expected_version: int | None = None) -> CatalogueItem:
    """Save edited fields; with `expected_version` (the version the editor read), refuse if someone saved since."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise CarePlanError(f"These catalogue fields cannot be edited: {', '.join(sorted(unknown))}.")
    try:
        return _edit(db, code, changes, actor, expected_version)
    except StaleDataError:
        raise _raced(db, code) from None


def _edit(db: Database, code: str, changes: dict[str, str], actor: str, expected_version: int | None) -> CatalogueItem:
    with db.transaction() as s:
        row = _row_to_change(s, code, expected_version)
        before = _to_domain(row)
        after = with_edits(before, changes)
        _validate_custom(after)
        diff = {k: {"before": str(getattr(before, k)), "after": str(getattr(after, k))}
                for k in changes if getattr(before, k) != getattr(after, k)}
        if not diff:
            return before
        for k, v in _row_values(after).items():
            if k in changes:
                setattr(row, k, v)
        row.edited_by, row.edited_at = actor, utcnow()
        audit.record(s, actor, "catalogue.edited", entity="catalogue_item", entity_key=code, details={"fields": diff})
        s.flush()  # the UPDATE runs here, checking and bumping version_id
        return _to_domain(row)


def set_active(db: Database, code: str, active: bool, *, actor: str, expected_version: int | None = None) -> None:
    """Retire (active=False) or bring back an item; plans that used it keep their copy."""
    try:
        with db.transaction() as s:
            row = _row_to_change(s, code, expected_version)
            if row.active == active:
                return
            row.active = active
            row.edited_by, row.edited_at = actor, utcnow()
            audit.record(s, actor, "catalogue.reactivated" if active else "catalogue.retired",
                         entity="catalogue_item", entity_key=code)
    except StaleDataError:
        raise _raced(db, code) from None
