"""Patients and plans through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from careplan.domain.diff import diff_contents
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import ValidationError
from careplan.domain.patient import Patient
from careplan.domain.plan import ItemStatus, PlanContent
from careplan.persistence.engine import Database
from careplan.services import audit, patients, plans
from careplan.services.check import check_database
from tests.history_builders import item, make_patient, plan_with, save_history

HOSTILE = "<b>bold</b> & <script>alert(1)</script> 😀 שלום עולם Ελένη"


def test_patient_round_trip_keeps_text_exactly(db: Database) -> None:
    p = make_patient(db, "MRN-1", name=HOSTILE)
    p2 = patients.update_patient(db, replace(p, notes="x" * 10_000), actor="tester")
    loaded = patients.get_patient_by_mrn(db, "MRN-1")
    assert loaded.full_name == HOSTILE
    assert loaded.notes == "x" * 10_000
    assert loaded.caregivers[0].name == "Ελένη Sample"
    assert loaded.version == p2.version
    actions = [e.action for e in audit.list_events(db, mrn="MRN-1")]
    assert actions == ["patient.edited", "patient.created"]


def test_duplicate_mrn_is_refused(db: Database) -> None:
    make_patient(db, "MRN-1")
    with pytest.raises(ValidationError) as e:
        make_patient(db, "MRN-1", name="Someone Else")
    assert "already has the MRN" in (e.value.for_field("mrn") or "")
    assert patients.count_patients(db) == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"full_name": "  "}, "full_name", "full name"),
        ({"date_of_birth": date.today() + timedelta(days=1)}, "date_of_birth", "future"),
        ({"notes": "n" * 20_001}, "notes", "20,001"),
        ({"mrn": "has space"}, "mrn", "spaces"),
    ],
)
def test_bad_patient_input_names_the_field(db: Database, change: dict[str, object], field: str, words: str) -> None:
    p = Patient(mrn="MRN-9", full_name="Anna Example")
    with pytest.raises(ValidationError) as e:
        patients.create_patient(db, replace(p, **change), actor="tester")  # type: ignore[arg-type]
    assert words in (e.value.for_field(field) or "")
    assert patients.count_patients(db) == 0


def test_stale_patient_edit_is_refused(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    patients.update_patient(db, replace(p, notes="first"), actor="a")
    with pytest.raises(patients.PatientConflictError):
        patients.update_patient(db, replace(p, notes="second"), actor="b")
    assert patients.get_patient(db, p.id or 0).notes == "first"


def test_search_and_sort(db: Database) -> None:
    for i, name in enumerate(["Zofia Example", "anna sample", "Łukasz Żółć", "Ben Test"]):
        make_patient(db, f"MRN-{i}", name=name)
    # Sorted by the folded name: Łukasz among the L's, where a reader looks for him.
    assert [r.full_name for r in patients.search_patients(db, "")] == ["anna sample", "Ben Test", "Łukasz Żółć", "Zofia Example"]
    assert [r.full_name for r in patients.search_patients(db, "AMPLE")] == ["anna sample", "Zofia Example"]
    assert [r.mrn for r in patients.search_patients(db, "mrn-2")] == ["MRN-2"]
    assert [r.full_name for r in patients.search_patients(db, "żół")] == ["Łukasz Żółć"]
    assert patients.search_patients(db, "100%") == []
    assert patients.count_patients(db, "e") == 3
    desc = patients.search_patients(db, "", sort="mrn", descending=True)
    assert [r.mrn for r in desc] == ["MRN-3", "MRN-2", "MRN-1", "MRN-0"]


def test_save_and_reopen_shows_exactly_what_was_saved(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    content = plan_with(12)
    content = content.with_items(content.items + (item("odd", Discipline.MEDICATION, notes=HOSTILE, status=ItemStatus.DECLINED),))
    rev = plans.save_revision(db, p.id or 0, base_revision=0, content=content, author="Nurse A", reason="")
    state = plans.load_plan(db, p.id or 0)
    assert state.number == 1
    assert state.latest is not None and state.latest.content == content
    assert state.latest.content_hash == rev.content_hash == rev.compute_hash()
    summary = patients.search_patients(db, "MRN-1")[0]
    assert (summary.plan_status, summary.revisions, summary.next_review) == ("active", 1, content.next_review)


def test_reason_is_required_from_revision_two(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    plans.save_revision(db, p.id or 0, base_revision=0, content=plan_with(2), author="A", reason="")
    with pytest.raises(ValidationError, match="reason"):
        plans.save_revision(db, p.id or 0, base_revision=1, content=plan_with(3), author="A", reason="   ")
    assert len(plans.history(db, p.id or 0)) == 1


def test_review_before_start_is_refused(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    bad = replace(plan_with(1), next_review=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="before the plan's start"):
        plans.save_revision(db, p.id or 0, base_revision=0, content=bad, author="A", reason="")


def test_history_compare_and_restore(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    last = save_history(db, p.id or 0, revisions=4)
    hist = plans.history(db, p.id or 0)
    assert [h.number for h in hist] == [1, 2, 3, 4]
    assert hist[1].reason == "Review 2" and hist[0].author == "Nurse Test"
    d = plans.compare(db, p.id or 0, 1, 4)
    assert d == diff_contents(plans.get_revision(db, p.id or 0, 1).content, last)
    assert d.changed and not d.added
    restored = plans.restore_revision(db, p.id or 0, 1, base_revision=4, author="Nurse B")
    assert restored.number == 5 and restored.restored_from == 1
    assert restored.content == plans.get_revision(db, p.id or 0, 1).content
    assert [h.number for h in plans.history(db, p.id or 0)] == [1, 2, 3, 4, 5]
    assert check_database(db).ok


def test_second_save_from_same_base_is_a_conflict(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    plans.save_revision(db, p.id or 0, base_revision=0, content=plan_with(3), author="A", reason="")
    theirs = plan_with(4)
    plans.save_revision(db, p.id or 0, base_revision=1, content=theirs, author="Other Nurse", reason="added one")
    with pytest.raises(plans.ConflictError) as e:
        plans.save_revision(db, p.id or 0, base_revision=1, content=plan_with(5), author="Me", reason="mine")
    assert e.value.theirs.number == 2 and e.value.theirs.author == "Other Nurse"
    assert [i.key for i in e.value.their_changes.added] == ["c003"]
    assert "Other Nurse" in str(e.value)
    assert len(plans.history(db, p.id or 0)) == 2


def test_drafts_survive_and_are_cleared_by_saving(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    draft = plan_with(3)
    plans.save_draft(db, p.id or 0, "Nurse A", 0, draft)
    plans.save_draft(db, p.id or 0, "Nurse A", 0, draft.with_items(draft.items[:1]))
    found = plans.drafts_for(db, "Nurse A")
    assert len(found) == 1 and len(found[0].content.items) == 1
    assert plans.drafts_for(db, "Nurse B") == []
    plans.save_revision(db, p.id or 0, base_revision=0, content=found[0].content, author="Nurse A", reason="")
    assert plans.load_draft(db, p.id or 0, "Nurse A") is None


def test_empty_plan_can_be_saved(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    rev = plans.save_revision(db, p.id or 0, base_revision=0, content=PlanContent(), author="A", reason="")
    assert plans.get_revision(db, p.id or 0, 1).content == rev.content


def test_demo_patients_are_complete(db: Database) -> None:
    from careplan.services.demo import generate_demo

    totals = generate_demo(db, patients=5, seed=11)
    assert totals["patients"] == 5 and totals["revisions"] >= 5
    for summary in patients.search_patients(db, "DEMO-11"):
        p = patients.get_patient(db, summary.id)
        assert p.caregivers and all(c.name and c.relationship and c.phone for c in p.caregivers)
        assert len(p.care_team) == 4 and all(m.name and m.phone for m in p.care_team)
        assert plans.load_plan(db, summary.id).latest is not None
    assert check_database(db).ok
