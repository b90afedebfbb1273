"""Shared set-up for the secondary-window and printing tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import DISCIPLINE_ORDER
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanItem, PlanStatus
from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.services.patients import create_patient
from careplan.services.plans import save_revision

PATIENT_NAME = "Marta <b>Ruiz</b> & Sons"


@dataclass
class PlanFixture:
    patient_id: int
    mrn: str


def add_patient(db: Database, mrn: str = "UIB-001", name: str = PATIENT_NAME) -> Patient:
    return create_patient(
        db,
        Patient(mrn=mrn, full_name=name, date_of_birth=date(1958, 3, 14),
                caregivers=[Caregiver("Jon Ruiz", "Son", "0161 496 0000")],
                care_team=[TeamMember("Dr Sam Demo", Role.NEUROLOGIST, "0161 496 0001")]),
        actor="tester",
    )


def plan_item(n: int, **changes: object) -> PlanItem:
    discipline = DISCIPLINE_ORDER[n % 5]
    base = PlanItem(catalogue_code=f"item_{n:03d}", discipline=discipline, title=f"Treatment {n:03d}",
                    caregiver_instructions=f"Help with treatment {n} gently.", frequency="Daily",
                    responsible="Physiotherapist", goal="Stay steady", uid=f"item_{n:03d}")
    return replace(base, **changes)  # type: ignore[arg-type]


def content(items: list[PlanItem], goals: tuple[str, ...] = ("Keep walking indoors",)) -> PlanContent:
    return PlanContent(status=PlanStatus.ACTIVE, start_date=date(2026, 1, 5), next_review=date(2026, 4, 6),
                       goals=tuple(Goal(g) for g in goals), items=tuple(items))


def three_revisions(db: Database, mrn: str = "UIB-001") -> PlanFixture:
    """r1: items 0-3. r2: item 1 on hold with a new frequency, item 3 removed, item 4 added.
    r3: a new goal and item 0's instructions reworded."""
    p = add_patient(db, mrn)
    assert p.id is not None
    r1 = [plan_item(n) for n in range(4)]
    save_revision(db, p.id, base_revision=0, content=content(r1), author="Nurse One", reason="")
    r2 = [r1[0], plan_item(1, status=ItemStatus.ON_HOLD, frequency="Weekly"), r1[2], plan_item(4)]
    save_revision(db, p.id, base_revision=1, content=content(r2), author="Nurse Two", reason="Review after falls")
    r3 = [plan_item(0, caregiver_instructions="Stretch both legs slowly."), *r2[1:]]
    save_revision(db, p.id, base_revision=2, content=content(r3, ("Keep walking indoors", "Sleep better")),
                  author="Nurse One", reason="New goal")
    return PlanFixture(p.id, mrn)


def many_items(count: int) -> list[CatalogueItem]:
    """Synthetic catalogue items, a tenth of them retired, spread over every discipline."""
    words = ("walking", "breathing", "swallowing", "speech", "splint", "cough", "sleep", "saliva")
    return [
        CatalogueItem(
            code=f"bulk_{n:05d}", discipline=DISCIPLINE_ORDER[n % len(DISCIPLINE_ORDER)],
            title=f"{words[n % len(words)].capitalize()} support {n:05d}",
            clinical_description=f"Clinical note {n} about {words[(n * 7) % len(words)]}.",
            caregiver_instructions=f"Help with {words[(n * 3) % len(words)]} every day.",
            frequency="Daily", role=Role.NURSE, source="tests", active=n % 10 != 0,
        )
        for n in range(count)
    ]
