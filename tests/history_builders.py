"""Small builders for patients and plan history, without the catalogue file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanItem, PlanStatus
from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.services.patients import create_patient
from careplan.services.plans import save_revision

CORE = [Discipline.PHYSIOTHERAPY, Discipline.OCCUPATIONAL_THERAPY, Discipline.SPEECH, Discipline.NUTRITION, Discipline.RESPIRATORY]


def make_patient(db: Database, mrn: str, name: str = "Łukasz Żółć") -> Patient:
    return create_patient(
        db,
        Patient(mrn=mrn, full_name=name, date_of_birth=date(1960, 5, 1),
                caregivers=[Caregiver("Ελένη Sample", "Spouse", "+44 7700 900123")],
                care_team=[TeamMember("Dr Ada Demo", Role.NEUROLOGIST, "020 7946 0000")]),
        actor="tester",
    )


def item(code: str, discipline: Discipline, **kw: object) -> PlanItem:
    return PlanItem(catalogue_code=code, discipline=discipline, title=f"Item {code}", uid=code,
                    caregiver_instructions=f"Do {code} <b>gently</b> & slowly", frequency="Daily", **kw)  # type: ignore[arg-type]


def plan_with(n_items: int) -> PlanContent:
    items = tuple(item(f"c{i:03d}", CORE[i % 5]) for i in range(n_items))
    return PlanContent(status=PlanStatus.ACTIVE, start_date=date(2026, 1, 5), next_review=date(2026, 4, 6),
                       goals=(Goal("Keep walking indoors"),), items=items)


def save_history(db: Database, patient_id: int, revisions: int, n_items: int = 6) -> PlanContent:
    """Save `revisions` revisions, each changing something; returns the last content."""
    content = plan_with(n_items)
    for number in range(1, revisions + 1):
        if number > 1:
            items = list(content.items)
            k = number % len(items)
            items[k] = replace(items[k], status=list(ItemStatus)[number % 6], frequency=f"Every {number} days")
            content = replace(content, items=tuple(items))
        save_revision(db, patient_id, base_revision=number - 1, content=content, author="Nurse Test",
                      reason="" if number == 1 else f"Review {number}")
    return content
