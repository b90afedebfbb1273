"""How each medicine is given, on the printout (issue 15): what the clinic gives itself (botulinum
toxin injections) says "Given at the clinic", never "as your doctor prescribed", and stays off the
daily checklist; every other medicine says "as your doctor prescribed". The printout reads this
from resources/printout_short.yaml (`given_at_clinic`), so every medicine there must say which."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
import yaml

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Patient, TeamMember
from careplan.domain.plan import ItemStatus, PlanItem
from careplan.domain.team import Role
from careplan.paths import resource
from careplan.reporting import PdfOptions, write_plan_pdf
from careplan.reporting.carer_text import given_at_clinic
from careplan.reporting.kinds import CLINIC_VISIT_CODES, medicine_purpose
from tests.test_catalogue_data import load_real_catalogue
from tests.test_pdf_glance import plan_with

MEDICINES = [i for i in load_real_catalogue()
             if i.discipline is Discipline.MEDICATION and i.code not in CLINIC_VISIT_CODES]


def test_every_medicine_says_whether_the_clinic_gives_it() -> None:
    texts = yaml.safe_load(resource("printout_short.yaml").read_text(encoding="utf-8"))["texts"]
    assert len(MEDICINES) == 12
    # Explicit for each one, so a medicine added to the catalogue is a decision, not a default.
    assert [i.code for i in MEDICINES if not isinstance(texts[i.code].get("given_at_clinic"), bool)] == []
    assert [i.code for i in MEDICINES if given_at_clinic(i.code)] == ["med_botulinum_toxin_saliva"]


def plan_item(med: CatalogueItem, instructions: str) -> PlanItem:
    return PlanItem(catalogue_code=med.code, uid="m1", discipline=med.discipline, title=med.title,
                    caregiver_instructions=instructions, frequency=med.frequency,
                    responsible=med.role.label, status=ItemStatus.ACTIVE)


def _printed(tmp_path: Path, med: CatalogueItem, instructions: str) -> str:
    item = plan_item(med, instructions)
    patient = Patient(mrn="MED-1", full_name="Ada Lane", care_team=[TeamMember("Ben Ode", med.role, "020 7946 0001")])
    result = write_plan_pdf(plan_with(patient, (item,)), tmp_path / f"{med.code}.pdf", PdfOptions())
    with pymupdf.open(result.path) as doc:
        return " ".join(" ".join(p.get_text() for p in doc).split())


def medicines_section(whole: str) -> str:
    """The text under the heading "Medicines" (page 1 may say the word too), up to the checklist."""
    before = whole.split("Daily checklist", 1)[0]
    return before[before.rindex("Medicines ") + len("Medicines "):]


@pytest.mark.parametrize("med", MEDICINES, ids=lambda m: m.code)
def test_each_medicine_prints_how_it_is_given(tmp_path: Path, med: CatalogueItem) -> None:
    whole = _printed(tmp_path, med, med.caregiver_instructions)
    name = med.title.split(" (")[0]
    # The medicine's own paragraph on the list of medicines: name, what it is for, how it is given.
    listed = medicines_section(whole)
    assert listed.startswith(f"• {name}, {medicine_purpose(plan_item(med, med.caregiver_instructions))}."), listed
    if given_at_clinic(med.code):
        assert whole.count("Given at the clinic, not at home.") == 1, whole
        assert "prescribed" not in whole
        assert "Daily checklist" not in whole
    else:
        assert "as your doctor prescribed" in listed.split("Who helps:", 1)[1], whole
        assert "Given at the clinic" not in whole
        assert "Daily checklist" in whole and name in whole.split("Daily checklist", 1)[1]


def test_wording_written_for_the_patient_still_says_the_clinic_gives_it(tmp_path: Path) -> None:
    botox = next(i for i in MEDICINES if i.code == "med_botulinum_toxin_saliva")
    typed = "Injections every 12 weeks at the Tuesday clinic. Tell us if swallowing gets harder."
    whole = _printed(tmp_path, botox, typed)
    item_part = whole.split("Who helps:", 1)[1]
    assert item_part.index("Given at the clinic, not at home.") < item_part.index(typed)
    assert "prescribed" not in whole


def test_a_plan_with_both_kinds_says_which_the_clinic_gives(tmp_path: Path) -> None:
    def med(code: str, uid: str) -> PlanItem:
        cat = next(i for i in MEDICINES if i.code == code)
        return PlanItem(catalogue_code=code, uid=uid, discipline=cat.discipline, title=cat.title,
                        caregiver_instructions=cat.caregiver_instructions, frequency=cat.frequency,
                        responsible=Role.NEUROLOGIST.label, status=ItemStatus.ACTIVE)

    plan = plan_with(Patient(mrn="MED-2", full_name="Ada Lane"),
                     (med("med_riluzole", "a"), med("med_botulinum_toxin_saliva", "b")))
    result = write_plan_pdf(plan, tmp_path / "both.pdf", PdfOptions())
    with pymupdf.open(result.path) as doc:
        whole = " ".join(" ".join(p.get_text() for p in doc).split())
    listed = medicines_section(whole)
    # Each medicine says how it is given in its own paragraph; the one helper is named once.
    riluzole, botox = listed.split("• ")[1:3]
    assert riluzole.startswith("Riluzole, to slow the illness.") and "as your doctor prescribed" in riluzole
    assert botox.startswith("Botulinum toxin injections, for saliva.") and "Given at the clinic, not at home." in botox
    assert "prescribed" not in botox
    assert listed.count("Who helps") == 1 and "Who helps with these: Neurologist." in listed
    checklist = whole.split("Daily checklist", 1)[1]
    assert "Riluzole" in checklist and "Botulinum" not in checklist
