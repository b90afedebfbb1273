"""`careplan demo`: realistic, clearly fictional patients with plans and revision history.

Deterministic for a seed. Built with bulk inserts in batches so 10,000 patients take well
under a minute on SQLite.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import CORE_DISCIPLINES
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import OnsetSite
from careplan.domain.plan import (
    FREQUENCY_CHOICES,
    REVIEW_INTERVAL,
    Goal,
    ItemStatus,
    PlanContent,
    PlanItem,
    PlanStatus,
)
from careplan.domain.team import Role
from careplan.persistence.engine import Database
from careplan.persistence.models import AssessmentRow, CaregiverRow, PatientRow, TeamMemberRow
from careplan.services import audit, clock
from careplan.services import catalogue as catalogue_service
from careplan.services import rules as rules_service
from careplan.services.demo_course import course_facts, demo_assessments
from careplan.services.demo_decisions import DemoPatient, decide
from careplan.services.demo_names import (
    FIRST_NAMES,
    GOALS,
    LAST_NAMES,
    REASONS,
    RELATIONSHIPS,
    TEAM_NAMES,
)
from careplan.services.history import Entry, Run, append_revisions
from careplan.services.patients import search_key

BATCH = 250
TEAM_ROLES = (Role.NEUROLOGIST, Role.SPECIALIST_NURSE, Role.PHYSIOTHERAPIST, Role.OCCUPATIONAL_THERAPIST,
              Role.SPEECH_AND_LANGUAGE_THERAPIST, Role.DIETITIAN, Role.RESPIRATORY_PHYSIOLOGIST,
              Role.PALLIATIVE_TEAM, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST)


def mrn_for(seed: int, i: int) -> str:
    return f"DEMO-{seed}-{i:06d}"


def generate_demo(
    db: Database,
    *,
    patients: int = 50,
    seed: int = 1,
    today: date | None = None,
    mean_revisions: int = 10,
    progress: Callable[[int, int], None] | None = None,
    actor: str = "demo",
    decide_prompts: bool = True,
) -> dict[str, int]:
    """Add `patients` demo patients; returns counts of what was written.

    decide_prompts=False leaves every guideline prompt open and the plans as they were before demo
    data decided prompts (the printout's page budget is measured on those plans).
    """
    if patients < 1:
        raise CarePlanError("Ask for at least one demo patient.")
    today = today or clock.today()
    catalogue_service.sync_shipped_catalogue_if_changed(db)
    rules_service.sync_shipped_rules_if_changed(db)  # the demo's prompts are decided on the shipped rules
    items = catalogue_service.list_items(db)
    if not items:
        raise CarePlanError("The catalogue is empty; demo plans need catalogue items.")
    with db.reading() as s:
        if s.scalar(select(PatientRow.id).where(PatientRow.mrn == mrn_for(seed, 0))) is not None:
            raise CarePlanError(f"Demo patients for seed {seed} are already in this database; use another --seed.")
    rng = random.Random(seed)
    course_rng = random.Random(f"course-{seed}")  # its own stream: the plans stay what they were before courses
    # And one for the prompt decisions, for the same reason; None: decide none.
    decision_rng = random.Random(f"prompts-{seed}") if decide_prompts else None
    totals = {"patients": 0, "revisions": 0, "items": 0, "assessments": 0, "decisions": 0}
    for start in range(0, patients, BATCH):
        count = min(BATCH, patients - start)
        _write_batch(db, (rng, course_rng, decision_rng), seed, start, count, items, today, mean_revisions, totals,
                     actor)
        if progress:
            progress(start + count, patients)
    return totals


def _write_batch(db: Database, rngs: tuple[random.Random, random.Random, random.Random | None], seed: int, start: int,
                 count: int, catalogue: list[CatalogueItem], today: date, mean_revisions: int,
                 totals: dict[str, int], actor: str) -> None:
    rng, course_rng, decision_rng = rngs
    now = datetime.now(UTC)
    people: list[dict[str, Any]] = []
    for i in range(start, start + count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        dob = date(rng.randint(1940, 1985), rng.randint(1, 12), rng.randint(1, 28))
        revisions = max(1, min(2 * mean_revisions, int(rng.gauss(mean_revisions, mean_revisions / 3))))
        days = review_days(rng, revisions, today)
        diagnosed = days[0] - timedelta(days=rng.randint(7, 60))
        people.append({
            "mrn": mrn_for(seed, i), "full_name": f"{first} {last}", "search_name": search_key(f"{first} {last}"),
            "date_of_birth": dob, "diagnosis_date": diagnosed, "onset_site": rng.choice(list(OnsetSite)).value,
            "preferred_language": rng.choice(("English", "Polski", "Ελληνικά", "Español", "Deutsch", "Русский", "Français")),
            "notes": "", "created_at": now, "updated_at": now, "version_id": 1, "fictional": True, "_days": days,
        })
        people[-1].update(course_facts(course_rng, diagnosed))
    with db.transaction() as s:
        ids = s.scalars(
            insert(PatientRow).returning(PatientRow.id, sort_by_parameter_order=True),
            [{k: v for k, v in p.items() if not k.startswith("_")} for p in people],
        ).all()
        caregivers, team = [], []
        for pid, p in zip(ids, people, strict=True):
            caregivers.append({"patient_id": pid, "position": 0, "name": f"{rng.choice(FIRST_NAMES)} {p['full_name'].split()[-1]}",
                               "relationship_": rng.choice(RELATIONSHIPS), "phone": f"+44 7700 9{rng.randint(0, 99999):05d}",
                               "email": ""})
            for pos, role in enumerate(rng.sample(TEAM_ROLES, 4)):
                team.append({"patient_id": pid, "position": pos, "name": TEAM_NAMES[TEAM_ROLES.index(role)],
                             "role": role.value, "phone": f"+44 20 7946 {rng.randint(0, 9999):04d}"})
        s.execute(insert(CaregiverRow), caregivers)
        s.execute(insert(TeamMemberRow), team)
        runs = [Run(pid, p["mrn"], 0, _history(rng, catalogue, p["_days"]), tags={"demo": True})
                for pid, p in zip(ids, people, strict=True)]
        chains = append_revisions(s, runs)
        course = [{**row, "patient_id": pid} for pid, p in zip(ids, people, strict=True)
                  for row in demo_assessments(course_rng, p, p["onset_site"], p["_days"])]
        s.execute(insert(AssessmentRow), course)
        # Ids by a query, not RETURNING: SQLAlchemy splices RETURNING batches together, quadratic in rows.
        course_ids = s.scalars(select(AssessmentRow.id).where(AssessmentRow.patient_id.in_(ids))
                               .order_by(AssessmentRow.id)).all()
        audit.record_many(s, [audit.NewEvent(actor, "course.assessed", entity="assessment", entity_key=str(aid),
                                             patient_id=r["patient_id"], at=r["recorded_at"],
                                             details={"demo": True, "date": r["assessed_on"].isoformat()})
                              for aid, r in zip(course_ids, course, strict=True)])
        decided = {"revisions": 0, "items": 0, "decisions": 0}
        if decision_rng is not None:
            assessed: dict[int, datetime] = {}
            for r in course:  # the last visit's assessment may be written after its revision
                assessed[r["patient_id"]] = max(r["recorded_at"], assessed.get(r["patient_id"], r["recorded_at"]))
            decided = decide(s, decision_rng, [DemoPatient(pid, p["mrn"], chain[-1],
                                                           max(chain[-1].created_at, assessed[pid]))
                                               for pid, p, chain in zip(ids, people, chains, strict=True)],
                             catalogue, today, actor)
    totals["assessments"] += len(course)
    totals["patients"] += count
    totals["revisions"] += sum(len(c) for c in chains) + decided["revisions"]
    totals["items"] += sum(len(r.content.items) for c in chains for r in c) + decided["items"]
    totals["decisions"] += decided["decisions"]


def review_days(rng: random.Random, revisions: int, today: date) -> list[date]:
    """Clinic visits every two to three months, the latest within the last ~3 months.

    Counting back from a recent last visit keeps most demo patients on schedule, with a few
    overdue or due soon, as in a real clinic.
    """
    day = today - timedelta(days=rng.randint(0, 100))
    days = [day]
    for _ in range(revisions - 1):
        day -= timedelta(days=rng.randint(60, 95))
        days.append(day)
    return days[::-1]


def _history(rng: random.Random, catalogue: list[CatalogueItem], days: list[date]) -> list[Entry]:
    core = [c for c in catalogue if c.discipline in CORE_DISCIPLINES]
    others = [c for c in catalogue if c.discipline not in CORE_DISCIPLINES]
    chosen = rng.sample(core, min(len(core), rng.randint(5, 9))) + rng.sample(others, min(len(others), rng.randint(1, 3)))
    day = days[0]
    items = tuple(_item(rng, c, day) for c in chosen)
    content = PlanContent(status=PlanStatus.ACTIVE, start_date=day, next_review=day + REVIEW_INTERVAL,
                          goals=tuple(Goal(g) for g in rng.sample(GOALS, 2)), items=items)
    out: list[Entry] = []
    for number, day in enumerate(days, start=1):
        content = replace(content, next_review=day + REVIEW_INTERVAL)
        if number > 1:
            content = _evolve(rng, content, catalogue, day)
        when = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)
        out.append(Entry(when, rng.choice(("Nurse Demo", "Coordinator Sample", "Dr. Ada Demo")),
                         "" if number == 1 else rng.choice(REASONS), content))
    return out


def _item(rng: random.Random, c: CatalogueItem, day: date) -> PlanItem:
    return PlanItem(catalogue_code=c.code, discipline=c.discipline, title=c.title, uid=c.code,
                    caregiver_instructions=c.caregiver_instructions, clinical_description=c.clinical_description,
                    frequency=c.frequency, responsible=c.role.label, start_date=day,
                    status=rng.choice((ItemStatus.ACTIVE, ItemStatus.ACTIVE, ItemStatus.PLANNED)))


def _evolve(rng: random.Random, content: PlanContent, catalogue: list[CatalogueItem], day: date) -> PlanContent:
    items = list(content.items)
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        present = {i.catalogue_code for i in items}
        if roll < 0.35:
            fresh = [c for c in catalogue if c.code not in present]
            if fresh:
                items.append(_item(rng, rng.choice(fresh), day))
        elif roll < 0.7 and items:
            k = rng.randrange(len(items))
            items[k] = replace(items[k], status=rng.choice(list(ItemStatus)))
        elif roll < 0.9 and items:
            k = rng.randrange(len(items))
            items[k] = replace(items[k], frequency=rng.choice(FREQUENCY_CHOICES))
        elif len(items) > 3:
            items.pop(rng.randrange(len(items)))
    return replace(content, items=tuple(items))
