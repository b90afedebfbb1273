"""The facts guideline rules read, for one patient or the whole clinic, in three plain reads.

The worklist asks this of every active patient, so nothing here loads ORM objects or parses a
visit the rules will not look at: the assessment columns come back as tuples, and only the few
visits the rules can pick (careplan.domain.guideline_facts.read_by_rules) become Assessments;
of each plan, only the items whose codes the rules name. tests/test_prompts_fast.py holds the
straightforward loader this replaced and shows both give the same prompts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from careplan.domain.course import Assessment, Provision, parse_alsfrs
from careplan.domain.guideline_facts import PatientFacts, PlanEntry, StoredAssessment, read_by_rules
from careplan.domain.guidelines import Rule
from careplan.persistence.models import (
    AssessmentRow,
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
)

_CORRECTION = aliased(AssessmentRow)


def facts_for(s: Session, patient_ids: Sequence[int] | None, on: date, rules: Iterable[Rule], *,
              id_range: tuple[int, int] | None = None) -> dict[int, PatientFacts]:
    """The facts `rules` read of each patient, as stored now. `patient_ids` None: every active patient,
    or, with `id_range` (lowest, highest id), the active patients whose ids lie in it."""
    q = select(PatientRow.id, PatientRow.diagnosis_date, PatientRow.onset_date, PatientRow.usual_weight_kg,
               PatientRow.height_cm)
    active = select(PatientRow.id).where(PatientRow.status == "active")
    if id_range is not None:
        active = active.where(PatientRow.id.between(*id_range))
    q = q.where(PatientRow.id.in_(patient_ids)) if patient_ids is not None else q.where(PatientRow.id.in_(active))
    patients = list(s.execute(q))
    if not patients:
        return {}
    ids = [p.id for p in patients]

    def only(col: Any) -> Any:
        if patient_ids is not None:
            return col.in_(ids)
        # The range on the column itself as well: the patient_id index then reads only this chunk's rows.
        return and_(col.between(*id_range), col.in_(active)) if id_range is not None else col.in_(active)

    visits = _visits(s, only, on)
    plans = _plans(s, only, codes_named(rules))
    return {p.id: PatientFacts(on=on, assessments=visits.get(p.id, ()), diagnosis_date=p.diagnosis_date,
                               onset_date=p.onset_date, usual_weight_kg=p.usual_weight_kg, height_cm=p.height_cm,
                               plan=tuple(plans[p.id])) for p in patients}


def _visits(s: Session, only: Any, on: date) -> dict[int, tuple[Assessment, ...]]:
    a = AssessmentRow
    q = (select(a.patient_id, a.id, a.assessed_on, a.alsfrs, a.fvc_pct, a.snip_cmh2o, a.weight_kg, a.niv,
                a.gastrostomy, a.kings_recorded)
         .where(only(a.patient_id), a.assessed_on <= on,
                # Current only: nobody has corrected it (a correction dated after `on` counts too).
                ~exists().where(_CORRECTION.supersedes == a.id, _CORRECTION.patient_id == a.patient_id))
         .order_by(a.patient_id, a.assessed_on, a.id))
    out = {}
    # On the connection: the ORM's per-row work is what made reading every patient slow.
    stored = StoredAssessment._make
    for pid, rows in groupby(s.connection().execute(q).all(), key=itemgetter(0)):
        picked = read_by_rules([stored(r[1:]) for r in rows], on)
        out[pid] = tuple(_assessment(r) for r in picked)
    return out


def _assessment(r: StoredAssessment) -> Assessment:
    # What the rules read of a visit; who recorded it and why are not facts.
    return Assessment(id=r.id, assessed_on=r.assessed_on, author="", alsfrs=parse_alsfrs(r.alsfrs) if r.alsfrs else None,
                      fvc_pct=r.fvc_pct, snip_cmh2o=r.snip_cmh2o, weight_kg=r.weight_kg,
                      niv=Provision(r.niv) if r.niv else None,
                      gastrostomy=Provision(r.gastrostomy) if r.gastrostomy else None,
                      kings_recorded=r.kings_recorded)


def _plans(s: Session, only: Any, codes: set[str]) -> Mapping[int, list[PlanEntry]]:
    plans: dict[int, list[PlanEntry]] = defaultdict(list)
    if not codes:
        return plans
    latest = (select(PlanRow.patient_id, PlanRevisionRow.start_date, RevisionItemRow.catalogue_code,
                     RevisionItemRow.status, RevisionItemRow.start_date.label("item_start"))
              .join(PlanRevisionRow, and_(PlanRevisionRow.plan_id == PlanRow.id,
                                          PlanRevisionRow.number == PlanRow.current_revision))
              .join(RevisionItemRow, RevisionItemRow.revision_id == PlanRevisionRow.id)
              .where(only(PlanRow.patient_id), RevisionItemRow.catalogue_code.in_(sorted(codes)))
              .order_by(RevisionItemRow.id))  # a code twice in a plan: the later item's status shows
    for pid, plan_start, code, status, item_start in s.connection().execute(latest):
        # An undated item counts from the plan's start: the best the record says of when it began.
        plans[pid].append(PlanEntry(code, status, item_start or plan_start))
    return plans


def codes_named(rules: Iterable[Rule]) -> set[str]:
    """Every catalogue code the rules suggest or test: the only plan items they can see."""
    out: set[str] = set()

    def walk(cond: Any) -> None:
        if isinstance(cond, Mapping):
            for key, value in cond.items():
                if key in ("plan_has", "plan_lacks", "codes") and isinstance(value, list):
                    out.update(c for c in value if isinstance(c, str))
                else:
                    walk(value)
        elif isinstance(cond, list):
            for part in cond:
                walk(part)

    for rule in rules:
        out.update(rule.suggests)
        walk(rule.when)
    return out
