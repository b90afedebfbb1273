"""A failed write is understood by the name of the constraint it broke, on both databases, and
services turn only their own constraint into a user's message (duplicate MRN, plan conflict,
code taken); any other integrity error is not disguised as one of those."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import false, insert
from sqlalchemy.exc import IntegrityError

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import ValidationError
from careplan.domain.patient import Patient
from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import (
    CatalogueItemRow,
    PatientRow,
    PlanDraftRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
    TemplateRow,
)
from careplan.services import catalogue, history, patients, plans
from tests.history_builders import make_patient, plan_with, save_history

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HASH = "0" * 64


def _patient(mrn: str) -> dict[str, Any]:
    return {"mrn": mrn, "full_name": "A", "search_name": "a", "preferred_language": "", "notes": "",
            "created_at": NOW, "updated_at": NOW, "version_id": 1}


def _revision(plan_id: int, number: int, status: str = "draft") -> dict[str, Any]:
    return {"plan_id": plan_id, "number": number, "created_at": NOW, "author": "N", "reason": "", "status": status,
            "goals_json": "[]", "item_count": 0, "prev_hash": HASH, "content_hash": HASH}


def _catalogue_row(code: str) -> dict[str, Any]:
    return {"code": code, "discipline": "speech", "title": "T", "clinical_description": "", "caregiver_instructions": "",
            "frequency": "", "role": "nurse", "safety_notes": "", "source": "", "active": True, "custom": True,
            "version_id": 1}


def _template_row(code: str, version: int = 1) -> dict[str, Any]:
    return {"code": code, "version": version, "title": "T", "applies_when": "", "source": "", "items_json": "[]",
            "active": True, "custom": True, "version_id": 1}


def _broken_by(db: Database, *statements: Callable[[Any, dict[str, int]], object]) -> IntegrityError:
    """Run the statements in one transaction; the last one must fail. Returns its error."""
    ids: dict[str, int] = {}
    with db.engine.connect() as c:
        c.begin()
        try:
            ids["patient"] = c.execute(insert(PatientRow).values(_patient("P-1")).returning(PatientRow.id)).scalar_one()
            ids["plan"] = c.execute(insert(PlanRow).values(patient_id=ids["patient"], current_revision=1,
                                                           status="draft", last_hash=HASH).returning(PlanRow.id)).scalar_one()
            ids["revision"] = c.execute(insert(PlanRevisionRow).values(_revision(ids["plan"], 1))
                                        .returning(PlanRevisionRow.id)).scalar_one()
            for statement in statements:
                c.execute(statement(c, ids))  # type: ignore[call-overload]
        except IntegrityError as e:
            return e
        finally:
            c.rollback()
    raise AssertionError("the statements broke no constraint")


BREAKERS: dict[str, list[Callable[[Any, dict[str, int]], object]]] = {
    "uq_patients_mrn": [lambda c, ids: insert(PatientRow).values(_patient("P-1"))],
    "uq_catalogue_items_code": [lambda c, ids: insert(CatalogueItemRow).values(_catalogue_row("zz_code")),
                                lambda c, ids: insert(CatalogueItemRow).values(_catalogue_row("zz_code"))],
    "uq_templates_code": [lambda c, ids: insert(TemplateRow).values(_template_row("zz_code")),
                          lambda c, ids: insert(TemplateRow).values(_template_row("zz_code"))],
    "ck_templates_template_version": [lambda c, ids: insert(TemplateRow).values(_template_row("zz_code", 0))],
    "uq_plans_patient_id": [lambda c, ids: insert(PlanRow).values(patient_id=ids["patient"], current_revision=0,
                                                                  status="draft", last_hash=HASH)],
    "uq_plan_revisions_plan_number": [lambda c, ids: insert(PlanRevisionRow).values(_revision(ids["plan"], 1))],
    "uq_plan_drafts_patient_author": [
        lambda c, ids: insert(PlanDraftRow).values(patient_id=ids["patient"], author="N", base_revision=1,
                                                   content_json="{}", saved_at=NOW),
        lambda c, ids: insert(PlanDraftRow).values(patient_id=ids["patient"], author="N", base_revision=1,
                                                   content_json="{}", saved_at=NOW)],
    "ck_plan_revisions_plan_status": [lambda c, ids: insert(PlanRevisionRow).values(_revision(ids["plan"], 2, "bogus"))],
    "ck_revision_items_item_status": [lambda c, ids: insert(RevisionItemRow).values(
        revision_id=ids["revision"], position=0, uid="u", catalogue_code="c", discipline="speech", title="t",
        caregiver_instructions="", clinical_description="", frequency="", responsible="", goal="", notes="",
        status="sleeping")],
}


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_the_broken_constraint_is_named(db: Database, name: str) -> None:
    assert violated_constraint(_broken_by(db, *BREAKERS[name])) == name


def test_errors_that_name_no_constraint_give_none(db: Database) -> None:
    not_null = _broken_by(db, lambda c, ids: insert(PatientRow).values({**_patient("P-2"), "full_name": None}))
    assert violated_constraint(not_null) is None
    orphan = _broken_by(db, lambda c, ids: insert(PlanRow).values(patient_id=ids["patient"] + 999, current_revision=0,
                                                                   status="draft", last_hash=HASH))
    # PostgreSQL names the foreign key; SQLite only says "FOREIGN KEY constraint failed".
    expected = None if db.engine.dialect.name == "sqlite" else "fk_plans_patient_id_patients"
    assert violated_constraint(orphan) == expected


def test_a_duplicate_mrn_saved_in_the_race_window_is_reported_on_the_mrn(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    make_patient(db, "MRN-1")
    other = make_patient(db, "MRN-2")
    # Another coordinator saves the same MRN after our check and before our write.
    monkeypatch.setattr(patients, "_mrn_taken", lambda *_a: False)
    with pytest.raises(ValidationError) as created:
        patients.create_patient(db, Patient(mrn="MRN-1", full_name="Someone Else"), actor="t")
    assert "already has the MRN 'MRN-1'" in (created.value.for_field("mrn") or "")
    with pytest.raises(ValidationError) as edited:
        patients.update_patient(db, replace(other, mrn="MRN-1"), actor="t")
    assert "already has the MRN" in (edited.value.for_field("mrn") or "")
    assert patients.count_patients(db) == 2


def test_another_integrity_error_is_not_called_a_duplicate_mrn(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real_apply = patients._apply

    def apply_without_name(row: PatientRow, p: Patient) -> None:
        real_apply(row, p)
        row.full_name = None  # type: ignore[assignment]  # a NOT NULL failure, not the MRN's

    monkeypatch.setattr(patients, "_apply", apply_without_name)
    with pytest.raises(IntegrityError):
        patients.create_patient(db, Patient(mrn="MRN-9", full_name="Anna"), actor="t")


def test_a_plan_created_in_the_race_window_is_a_conflict(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=1)
    real_plan_id = plans._plan_id
    calls = []

    def plan_not_seen_yet(s: Any, patient_id: int) -> tuple[int, int] | None:
        calls.append(patient_id)
        return None if len(calls) == 1 else real_plan_id(s, patient_id)

    # Both coordinators saw no plan; the other one created it first.
    monkeypatch.setattr(plans, "_plan_id", plan_not_seen_yet)
    with pytest.raises(plans.ConflictError) as e:
        plans.save_revision(db, p.id or 0, base_revision=0, content=plan_with(2), author="Second", reason="")
    assert e.value.theirs.number == 1
    assert [r.number for r in plans.history(db, p.id or 0)] == [1]


def test_a_catalogue_code_taken_in_the_race_window_is_reported_on_the_code(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    item = CatalogueItem(code="clinic_massage", discipline=Discipline.PHYSIOTHERAPY, title="Hand massage",
                         clinical_description="", caregiver_instructions="Gently.", frequency="Daily",
                         role=Role.PHYSIOTHERAPIST, source="Clinic")
    catalogue.add_custom_item(db, item, actor="t")
    real_select = catalogue.select
    # The other coordinator's row is not yet visible to our check.
    monkeypatch.setattr(catalogue, "select", lambda *a: real_select(*a).where(false()))
    with pytest.raises(ValidationError) as e:
        catalogue.add_custom_item(db, replace(item, title="Another"), actor="t")
    assert "already used" in (e.value.for_field("code") or "")
    monkeypatch.undo()
    assert catalogue.get_item(db, "clinic_massage").title == "Hand massage"


def test_another_integrity_error_in_a_save_is_not_called_a_conflict(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=1)
    real_rows = history.revision_rows

    def bad_status(plan_id: int, rev: Any) -> Any:
        head, items = real_rows(plan_id, rev)
        return {**head, "status": "bogus"}, items  # breaks ck_plan_revisions_plan_status

    monkeypatch.setattr(history, "revision_rows", bad_status)
    with pytest.raises(IntegrityError):
        plans.save_revision(db, p.id or 0, base_revision=1, content=plan_with(1), author="N", reason="Review")


def test_another_integrity_error_in_the_catalogue_is_not_called_a_taken_code(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real_values = catalogue._row_values
    monkeypatch.setattr(catalogue, "_row_values", lambda item: {**real_values(item), "title": None})
    item = CatalogueItem(code="clinic_other", discipline=Discipline.SPEECH, title="Other", clinical_description="",
                         caregiver_instructions="Do.", frequency="", role=Role.NURSE, source="Clinic")
    with pytest.raises(IntegrityError):
        catalogue.add_custom_item(db, item, actor="t")
