"""Two coordinators editing the same catalogue item: the second save is refused, never silently
overwrites the first (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.persistence.models import CatalogueItemRow
from careplan.services import audit, catalogue, changes
from careplan.services.catalogue import EDITABLE_FIELDS, CatalogueConflictError

# One edit per editable field: the conflict check must hold whatever field the late writer changed.
LATE_EDITS = {
    "title": "Late title",
    "clinical_description": "Late clinical words.",
    "caregiver_instructions": "Late caregiver words.",
    "frequency": "Every 3 months",
    "role": Role.SOCIAL_WORKER.value,
    "safety_notes": "Late safety note.",
    "discipline": "nutrition",
}


def test_every_editable_field_has_a_late_edit() -> None:
    assert set(LATE_EDITS) == set(EDITABLE_FIELDS)


@pytest.mark.parametrize("field", sorted(LATE_EDITS))
def test_a_save_from_a_stale_read_is_refused_and_changes_nothing(db: Database, field: str) -> None:
    catalogue.sync_catalogue(db)
    opened = catalogue.list_items(db)[0]  # both coordinators read the item at this version
    assert opened.version >= 1
    first = catalogue.edit_item(db, opened.code, {"title": "First writer's title"}, actor="Nurse A",
                                expected_version=opened.version)
    assert first.version == opened.version + 1
    events = len(audit.list_events(db))

    with pytest.raises(CatalogueConflictError) as caught:
        catalogue.edit_item(db, opened.code, {field: LATE_EDITS[field]}, actor="Nurse B",
                            expected_version=opened.version)

    error = caught.value
    assert error.who == "Nurse A" and error.when is not None
    assert error.theirs.title == "First writer's title" and error.theirs.version == first.version
    assert "Nurse A changed the catalogue item" in str(error) and "Nothing was saved" in str(error)
    stored = catalogue.get_item(db, opened.code)
    assert stored == first  # nothing of B's reached the database
    assert len(audit.list_events(db)) == events  # and nothing was logged


def test_a_save_from_the_fresh_version_goes_through(db: Database) -> None:
    catalogue.sync_catalogue(db)
    opened = catalogue.list_items(db)[0]
    first = catalogue.edit_item(db, opened.code, {"title": "A"}, actor="Nurse A", expected_version=opened.version)
    second = catalogue.edit_item(db, opened.code, {"title": "B"}, actor="Nurse B", expected_version=first.version)
    assert catalogue.get_item(db, opened.code) == second and second.title == "B"


def test_retiring_from_a_stale_read_is_refused(db: Database) -> None:
    catalogue.sync_catalogue(db)
    opened = catalogue.list_items(db)[0]
    catalogue.edit_item(db, opened.code, {"title": "Reworded"}, actor="Nurse A", expected_version=opened.version)
    with pytest.raises(CatalogueConflictError):
        changes.set_catalogue_active(db, opened.code, False, actor="Nurse B", expected_version=opened.version)
    assert catalogue.get_item(db, opened.code).active


def test_a_save_racing_between_read_and_write_is_refused(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other save commits after our version check but before our UPDATE: the UPDATE's own
    version condition (SQLAlchemy's version_id_col) catches it and nothing is overwritten."""
    if db.is_sqlite:
        pytest.skip("SQLite's BEGIN IMMEDIATE serialises writers: the other save waits, so this race needs PostgreSQL")
    catalogue.sync_catalogue(db)
    opened = catalogue.list_items(db)[0]
    original_check = catalogue._row_to_change
    raced = threading.Event()

    def check_then_let_the_other_save_in(s, code, expected):  # type: ignore[no-untyped-def]
        row = original_check(s, code, expected)
        if not raced.is_set():
            raced.set()
            # The other coordinator's save, in its own connection and transaction, on another thread
            # (PostgreSQL: our transaction has not written yet, so theirs is not blocked).
            t = threading.Thread(target=lambda: catalogue.edit_item(db, code, {"title": "Theirs"}, actor="Nurse A"))
            t.start()
            t.join()
        return row

    monkeypatch.setattr(catalogue, "_row_to_change", check_then_let_the_other_save_in)
    with pytest.raises(CatalogueConflictError) as caught:
        catalogue.edit_item(db, opened.code, {"title": "Mine"}, actor="Nurse B", expected_version=opened.version)
    assert caught.value.theirs.title == "Theirs"
    assert catalogue.get_item(db, opened.code).title == "Theirs"
    with db.reading() as s:
        assert s.scalar(select(CatalogueItemRow.edited_by).where(CatalogueItemRow.code == opened.code)) == "Nurse A"
