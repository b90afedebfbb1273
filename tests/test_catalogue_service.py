"""The clinic's own catalogue in the database: seeded once, edited, retired, upgraded safely."""

from __future__ import annotations

from dataclasses import replace

import pytest

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import ValidationError
from careplan.domain.plan import PlanContent, PlanItem
from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.services import audit, catalogue, plans
from tests.history_builders import make_patient


def test_first_run_seeds_every_shipped_item(db: Database) -> None:
    counts = catalogue.sync_catalogue(db)
    shipped = catalogue.shipped_catalogue()
    assert counts["added"] == len(shipped) > 50
    assert {i.code for i in catalogue.list_items(db)} == {i.code for i in shipped}
    assert catalogue.sync_catalogue(db) == {"added": 0, "updated": 0, "kept_clinic_edits": 0}
    assert [e.action for e in audit.list_events(db)] == ["catalogue.seeded"]


def test_upgrade_adds_new_items_and_keeps_clinic_edits(db: Database) -> None:
    shipped = list(catalogue.shipped_catalogue())
    catalogue.sync_catalogue(db, shipped)
    edited, untouched = shipped[0], shipped[1]
    catalogue.edit_item(db, edited.code, {"caregiver_instructions": "Our clinic's own words."}, actor="Nurse A")
    newer = [
        replace(edited, caregiver_instructions="Vendor's improved words."),
        replace(untouched, title=untouched.title + " (updated)"),
        *shipped[2:],
        replace(shipped[2], code="pt_brand_new_item", title="A brand new item"),
    ]
    counts = catalogue.sync_catalogue(db, newer)
    assert counts == {"added": 1, "updated": 1, "kept_clinic_edits": 1}
    assert catalogue.get_item(db, edited.code).caregiver_instructions == "Our clinic's own words."
    assert catalogue.get_item(db, untouched.code).title.endswith("(updated)")
    assert catalogue.get_item(db, "pt_brand_new_item").title == "A brand new item"


def test_editing_the_catalogue_never_rewrites_a_saved_plan(db: Database) -> None:
    catalogue.sync_catalogue(db)
    source = catalogue.list_items(db)[0]
    p = make_patient(db, "MRN-1")
    item = PlanItem(catalogue_code=source.code, discipline=source.discipline, title=source.title, uid=source.code,
                    caregiver_instructions=source.caregiver_instructions, frequency=source.frequency)
    plans.save_revision(db, p.id or 0, base_revision=0, content=PlanContent(items=(item,)), author="A", reason="")
    catalogue.edit_item(db, source.code, {"caregiver_instructions": "Completely different."}, actor="B")
    catalogue.set_active(db, source.code, False, actor="B")
    saved = plans.load_plan(db, p.id or 0).latest
    assert saved is not None and saved.content.items[0].caregiver_instructions == source.caregiver_instructions


def test_custom_items_retire_and_come_back(db: Database) -> None:
    catalogue.sync_catalogue(db)
    custom = CatalogueItem(code="clinic_hydrotherapy", discipline=Discipline.PHYSIOTHERAPY, title="Hydrotherapy <b>pool</b> & 🏊",
                           clinical_description="Warm-water exercise.", caregiver_instructions="Bring a towel. שלום",
                           frequency="Weekly", role=Role.PHYSIOTHERAPIST, source="")
    catalogue.add_custom_item(db, custom, actor="Nurse A")
    got = catalogue.get_item(db, "clinic_hydrotherapy")
    assert got.custom and got.title == custom.title and got.source == "Clinic"
    catalogue.set_active(db, custom.code, False, actor="Nurse A")
    assert custom.code not in {i.code for i in catalogue.list_items(db)}
    assert custom.code in {i.code for i in catalogue.list_items(db, include_retired=True)}
    catalogue.set_active(db, custom.code, True, actor="Nurse A")
    assert custom.code in {i.code for i in catalogue.list_items(db)}
    actions = [e.action for e in audit.list_events(db)][:3]
    assert actions == ["catalogue.reactivated", "catalogue.retired", "catalogue.added"]
    assert all(e.actor == "Nurse A" for e in audit.list_events(db)[:3])


@pytest.mark.parametrize(
    ("change", "field"),
    [({"title": ""}, "title"), ({"caregiver_instructions": "x" * 10_001}, "caregiver_instructions")],
)
def test_bad_custom_items_are_refused_clearly(db: Database, change: dict[str, str], field: str) -> None:
    base = CatalogueItem(code="clinic_item", discipline=Discipline.SPEECH, title="Title", clinical_description="c",
                         caregiver_instructions="Do this.", frequency="Daily", role=Role.SPEECH_AND_LANGUAGE_THERAPIST, source="")
    with pytest.raises(ValidationError) as e:
        catalogue.add_custom_item(db, replace(base, **change), actor="A")  # type: ignore[arg-type]
    assert e.value.for_field(field)
    assert catalogue.list_items(db, include_retired=True) == []


def test_duplicate_custom_code_is_refused(db: Database) -> None:
    catalogue.sync_catalogue(db)
    existing = catalogue.list_items(db)[0]
    with pytest.raises(ValidationError, match="already used"):
        catalogue.add_custom_item(db, replace(existing, title="Copy"), actor="A")


def test_last_edit_names_who_and_when(db: Database) -> None:
    catalogue.sync_catalogue(db)
    code = catalogue.list_items(db)[0].code
    assert catalogue.last_edit(db, code) is None
    catalogue.edit_item(db, code, {"frequency": "Weekly"}, actor="Nurse Ola")
    who, when = catalogue.last_edit(db, code) or ("", None)
    assert who == "Nurse Ola" and when is not None and when.tzinfo is not None
