"""Applying a starter plan: only missing items, one revision naming the template; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest

from careplan.cli import main
from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import DischargeReason, PlanReadOnlyError
from careplan.domain.plan import PlanContent
from careplan.persistence.engine import Database
from careplan.services import catalogue, lifecycle, plans, template_store
from careplan.services.templates import apply_template, get_template, preview
from tests.history_builders import make_patient
from tests.history_fixtures import snapshot


@pytest.fixture
def patient_id(db: Database) -> int:
    catalogue.sync_catalogue(db)
    template_store.sync_templates(db)
    return make_patient(db, "T-1").id or 0


def _first_revision(db: Database, patient_id: int, codes: list[str]) -> None:
    """A saved plan holding some of the template's items, one of them edited by the coordinator."""
    template = get_template(db, "newly_diagnosed")
    _, items = preview(db, patient_id, template.code)
    kept = tuple(i for i in items if i.catalogue_code in codes)
    kept = (kept[0].__class__(**{**kept[0].__dict__, "frequency": "Clinic's own words"}), *kept[1:])
    plans.save_revision(db, patient_id, base_revision=0, content=PlanContent(items=kept), author="Nurse", reason="")


def test_only_missing_items_are_added_in_one_revision_naming_the_template(db: Database, patient_id: int) -> None:
    _first_revision(db, patient_id, ["nut_weight_check", "med_riluzole"])
    template = get_template(db, "newly_diagnosed")
    applied = apply_template(db, patient_id, "newly_diagnosed", author="Nurse Ana", reason="first visit")
    assert applied.revision is not None and applied.revision.number == 2
    assert applied.revision.reason == "Template Newly diagnosed v1: first visit"
    codes = [i.catalogue_code for i in applied.revision.content.items]
    assert codes == ["nut_weight_check", "med_riluzole",
                     *[t.code for t in template.items if t.code not in ("nut_weight_check", "med_riluzole")]]
    # The item already in the plan keeps the coordinator's words.
    assert applied.revision.content.items[0].frequency == "Clinic's own words"
    neuro = next(i for i in applied.revision.content.items if i.catalogue_code == "med_riluzole")
    assert neuro.responsible == "Dr Ada Demo (Neurologist)"  # the patient's own team member with that role
    dietitian = next(i for i in applied.added if i.catalogue_code == "nut_dietitian_support")
    assert (dietitian.responsible, dietitian.status.value, dietitian.goal) == (
        "Dietitian", "planned", "Keep weight steady with a diet that suits them.")


def test_applying_again_adds_nothing_and_saves_nothing(db: Database, patient_id: int) -> None:
    apply_template(db, patient_id, "starting_niv", author="Nurse", reason="FVC 48%")
    before = snapshot(db)
    again = apply_template(db, patient_id, "starting_niv", author="Nurse", reason="again")
    assert (again.added, again.revision) == ((), None)
    assert snapshot(db) == before


def test_read_only_patient_is_refused_with_the_lifecycle_message(db: Database, patient_id: int) -> None:
    p = plans.load_plan(db, patient_id).patient
    lifecycle.discharge(db, patient_id, reason=DischargeReason.MOVED, version=p.version, actor="nurse",
                        on=date(2026, 3, 2))
    before = snapshot(db)
    with pytest.raises(PlanReadOnlyError, match=r"^T-1: Discharged on 2026-03-02 .*read-only.*Nothing was saved\.$"):
        apply_template(db, patient_id, "feeding_tube", author="Nurse", reason="weight down 8%")
    assert snapshot(db) == before


@pytest.mark.parametrize(("code", "reason", "words"), [
    ("no_such", "why", "There is no starter plan 'no_such'"),
    ("feeding_tube", "   ", "the reason cannot be empty"),
])
def test_bad_input_changes_nothing(db: Database, patient_id: int, code: str, reason: str, words: str) -> None:
    before = snapshot(db)
    with pytest.raises(CarePlanError, match=words):
        apply_template(db, patient_id, code, author="Nurse", reason=reason)
    assert snapshot(db) == before


def test_a_template_naming_a_retired_catalogue_item_is_refused(db: Database, patient_id: int) -> None:
    catalogue.set_active(db, "resp_cough_assist", False, actor="lead")
    before = snapshot(db)
    with pytest.raises(CarePlanError, match=r"Template Starting NIV v1 names catalogue items that are retired.*resp_cough_assist"):
        apply_template(db, patient_id, "starting_niv", author="Nurse", reason="FVC 48%")
    assert snapshot(db) == before


# --- the command line ----------------------------------------------------------------------------

def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_lists_templates_and_applies_one(db: Database, db_url: str, patient_id: int,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "templates", "--json", "--db", db_url)
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [t["code"] for t in listed] == ["newly_diagnosed", "walking_harder", "starting_niv", "feeding_tube", "last_months"]
    assert set(listed[0]) >= {"code", "version", "title", "applies_when", "source", "items"}  # keys are only added
    assert set(listed[0]["items"][0]) == {"code", "role", "status", "frequency", "goal"}
    code, out, err = _cli(capsys, "apply-template", "T-1", "last_months", "--reason", "review <b>& wishes</b>",
                          "--author", "Nurse CLI", "--json", "--db", db_url)
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result == {"mrn": "T-1", "template": "last_months", "version": 1,
                      "added": [i.code for i in get_template(db, "last_months").items], "revision": 1,
                      "reason": "Template Last months of life v1: review <b>& wishes</b>"}
    assert plans.history(db, patient_id)[-1].author == "Nurse CLI"
    code, out, _ = _cli(capsys, "apply-template", "T-1", "last_months", "--reason", "again", "--db", db_url)
    assert code == 0 and "already in T-1's plan; nothing was saved" in out


@pytest.mark.parametrize(("args", "words"), [
    (("apply-template", "NOPE", "feeding_tube", "--reason", "x"), "No patient has the MRN 'NOPE'"),
    (("apply-template", "T-1", "nope", "--reason", "x"), "There is no starter plan 'nope'"),
    (("apply-template", "T-1", "feeding_tube", "--reason", ""), "the reason cannot be empty"),
])
def test_cli_bad_input_is_one_line_exit_2_and_changes_nothing(db: Database, db_url: str, patient_id: int,
                                                               capsys: pytest.CaptureFixture[str],
                                                               args: tuple[str, ...], words: str) -> None:
    before = snapshot(db)
    code, out, err = _cli(capsys, *args, "--db", db_url)
    assert code == 2 and out == ""
    assert err.startswith("careplan: ") and err.count("\n") == 1 and words in err, err
    assert snapshot(db) == before
