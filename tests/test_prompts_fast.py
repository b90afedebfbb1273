"""The fast way the worklist reads every patient's guideline prompts gives exactly the prompts the
plain way gave (tests/prompt_reference.py): the same rules, triggers, values, dates and states,
over generated courses, plans and decisions, on SQLite and PostgreSQL.

Three layers, each against its plain counterpart: the stored ALSFRS-R text read by position
against the general parser; the few visits read_by_rules keeps against all of them, for every
fact the rules can name; and the whole read (services/prompt_facts.py, compiled conditions)
against the reference loader and interpreter, in a real database.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from careplan.domain.course import Alsfrs, Assessment, parse_alsfrs
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError
from careplan.domain.guideline_facts import (
    FACTS,
    MEASURES,
    PatientFacts,
    StoredAssessment,
    failure_signs,
    read_by_rules,
)
from careplan.domain.guidelines import evaluate, holds
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanStatus
from careplan.domain.staging import kings_from_alsfrs
from careplan.persistence.engine import Database
from careplan.persistence.models import AssessmentRow, PatientRow, PromptDecisionRow
from careplan.services import catalogue, prompt_store, prompts, rules
from careplan.services.plans import save_revision
from tests import prompt_reference
from tests.history_builders import item, make_patient
from tests.test_guidelines_domain import (
    PLAN_CODES,
    RULES,
    START,
    STATUSES,
    alsfrs,
    assessment,
    facts,
)

MRNS = itertools.count(1)
# No shrinking: each example writes to a real database, and a failure prints its example anyway.
ON_DB = settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- the stored ALSFRS-R text, read by position ---------------------------------------------------

def spellings(a: Alsfrs) -> st.SearchStrategy[str]:
    """The stored form, and other spellings a person may type: ';' separators, upper case, spaces."""
    text = a.as_text()
    upper = text[:9] + text[9].upper() + text[10:]
    return st.sampled_from([text, text.replace(",", ";"), upper, text.replace(",", ", "), f" {text} "])


@settings(max_examples=300, deadline=None)
@given(alsfrs.flatmap(lambda a: st.tuples(st.just(a), spellings(a))))
def test_every_spelling_parses_to_the_same_scores_and_the_same_king_s_failures(case: tuple[Alsfrs, str]) -> None:
    a, text = case
    assert parse_alsfrs(text) == a
    kings = kings_from_alsfrs(a)
    assert failure_signs(text) == (kings.nutritional_failure, kings.respiratory_failure)


def test_text_that_only_looks_stored_still_names_the_problem() -> None:
    for bad in ("5,4,4,4,4a,4,4,4,4,4,4,4", "4,4,4,4,4c,4,4,4,4,4,4,4", "4,4,4,4,4a,4,4,4,4,4,4"):
        with pytest.raises(CarePlanError, match="ALSFRS-R"):
            parse_alsfrs(bad)


# --- the few visits the readers pick, against all of them -----------------------------------------

def stored(a: Assessment, text: str | None) -> StoredAssessment:
    return StoredAssessment(a.id or 0, a.assessed_on, text, a.fvc_pct, a.snip_cmh2o, a.weight_kg,
                            a.niv.value if a.niv else None, a.gastrostomy.value if a.gastrostomy else None,
                            a.kings_recorded)


def every_fact_asked(f: PatientFacts) -> dict[str, Any]:
    """Every fact with every parameter a rule can give it."""
    params: dict[str | None, list[Any]] = {
        None: [None], "item": list(range(1, 13)), "measure": list(MEASURES),
        "codes": [[c] for c in PLAN_CODES] + [PLAN_CODES[:3]],
    }
    return {f"{name}|{p!r}": f.lookup(name, p) for name, spec in FACTS.items() for p in params[spec.param]}


@settings(max_examples=400, deadline=None)
@given(facts, st.lists(assessment, max_size=8), st.data())
def test_the_visits_read_by_rules_give_every_fact_as_all_visits_do(f: PatientFacts, more: list[Assessment],
                                                                    data: st.DataObject) -> None:
    visits = sorted([*f.assessments, *more], key=lambda a: a.assessed_on)
    visits = [replace(a, id=n) for n, a in enumerate(visits, start=1)]
    texts = [data.draw(spellings(a.alsfrs)) if a.alsfrs else None for a in visits]
    kept = {r.id for r in read_by_rules([stored(a, t) for a, t in zip(visits, texts, strict=True)], f.on)}
    everything = replace(f, assessments=tuple(visits))
    few = replace(f, assessments=tuple(a for a in visits if a.id in kept))
    assert every_fact_asked(few) == every_fact_asked(everything)
    assert evaluate(RULES, few) == evaluate(RULES, everything)
    assert len(kept) <= 7


@settings(max_examples=200, deadline=None)
@given(facts)
def test_a_compiled_condition_is_the_interpreted_one(f: PatientFacts) -> None:
    for rule in RULES:
        assert rule.test(f) == holds(rule.when, f) == prompt_reference.holds(rule.when, f)


# --- the whole read, in a real database, against the reference -------------------------------------

visit = st.fixed_dictionaries({
    "day": st.integers(-30, 900),
    "measures": assessment,
    "corrects": st.none() | st.integers(0, 7),  # supersedes the n-th earlier visit, if there is one
    "spelling": st.sampled_from(["stored", "semicolons", "spaces"]),
})
plan_entry = st.tuples(st.sampled_from(PLAN_CODES + ["mob_walking_aid"]), st.sampled_from(STATUSES),
                       st.none() | st.integers(0, 900))
patient = st.fixed_dictionaries({
    "status": st.sampled_from(["active", "active", "active", "discharged"]),
    "diagnosis": st.none() | st.integers(-400, 900),
    "onset": st.none() | st.integers(-800, 400),
    "usual_weight": st.none() | st.floats(40, 120).map(lambda x: round(x, 1)),
    "height": st.none() | st.floats(140, 200).map(lambda x: round(x, 1)),
    "visits": st.lists(visit, max_size=6),
    "plans": st.lists(st.lists(plan_entry, max_size=5), max_size=2),  # each a revision; the last counts
    "decisions": st.lists(st.tuples(st.integers(0, 14), st.sampled_from(["accepted", "dismissed"]),
                                    st.booleans(), st.integers(0, 400)), max_size=3),
})


def spelled(a: Alsfrs | None, how: str) -> str | None:
    if a is None:
        return None
    text = a.as_text()
    # Spaces only after the first comma: the column holds 32 characters, and PostgreSQL refuses more.
    return {"stored": text, "semicolons": text.replace(",", ";"), "spaces": text.replace(",", ", ", 1)}[how]


def add_patient(db: Database, mrn: str, p: dict[str, Any]) -> int:
    pid = make_patient(db, mrn).id or 0
    day = lambda n: None if n is None else START + timedelta(days=n)  # noqa: E731
    with db.transaction() as s:
        s.execute(update(PatientRow).where(PatientRow.id == pid).values(
            diagnosis_date=day(p["diagnosis"]), onset_date=day(p["onset"]),
            usual_weight_kg=p["usual_weight"], height_cm=p["height"]))
        ids: list[int] = []
        taken: set[int] = set()
        for v in p["visits"]:
            a: Assessment = v["measures"]
            corrects = ids[v["corrects"]] if v["corrects"] is not None and v["corrects"] < len(ids) else None
            corrects = None if corrects in taken else corrects  # each visit is corrected at most once
            row = AssessmentRow(patient_id=pid, assessed_on=START + timedelta(days=v["day"]), author="Nurse Ada",
                                recorded_at=datetime(2026, 1, 1, tzinfo=UTC), supersedes=corrects, reason="",
                                alsfrs=spelled(a.alsfrs, v["spelling"]), fvc_pct=a.fvc_pct,
                                snip_cmh2o=a.snip_cmh2o, weight_kg=a.weight_kg,
                                niv=a.niv.value if a.niv else None,
                                gastrostomy=a.gastrostomy.value if a.gastrostomy else None,
                                kings_recorded=a.kings_recorded)
            s.add(row)
            s.flush()
            ids.append(row.id)
            if corrects is not None:
                taken.add(corrects)
    for number, entries in enumerate(p["plans"], start=1):
        # The same code twice is allowed (two walking aids): each item has its own uid.
        items = tuple(replace(item(code, Discipline.RESPIRATORY, status=ItemStatus(status), start_date=day(start)),
                              uid=f"{code}-{n}") for n, (code, status, start) in enumerate(entries))
        content = PlanContent(status=PlanStatus.ACTIVE, start_date=date(2025, 2, 1), next_review=date(2025, 5, 1),
                              goals=(Goal("Stay at home"),), items=items)
        save_revision(db, pid, base_revision=number - 1, content=content, author="Nurse Ada",
                      reason="" if number == 1 else "Reviewed")
    with db.transaction() as s:  # after the plans: a discharged patient's plan is read-only
        s.execute(update(PatientRow).where(PatientRow.id == pid).values(status=p["status"]))
    return pid


def add_decisions(db: Database, pid: int, p: dict[str, Any], on: date) -> None:
    """Decisions on the prompts as they stand (they hold) and on stale facts (they do not)."""
    with db.reading() as s:
        found = prompt_reference.evaluate_patients(s, on).get(pid, [])
    with db.transaction() as s:
        for which, decision, current, minutes in p["decisions"]:
            if not found:
                break
            finding, _ = found[which % len(found)]
            s.add(PromptDecisionRow(patient_id=pid, rule_code=finding.rule.code, decision=decision,
                                    rule_hash=finding.rule.text_hash(),
                                    facts_hash=finding.facts_hash if current else "0" * 64,
                                    reason="Seen in clinic", actor="Nurse Ada",
                                    decided_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)))


def shown(found: dict[int, list[Any]]) -> dict[int, list[tuple[Any, ...]]]:
    return {pid: [(f.rule.code, f.triggers, st.state, st.decided_by, st.decided_at, st.reason) for f, st in rows]
            for pid, rows in found.items()}


@ON_DB
@given(clinic=st.lists(patient, min_size=1, max_size=3), on=st.integers(0, 1000), chunk=st.integers(1, 4))
def test_the_fast_read_gives_every_patient_the_prompts_the_plain_read_gave(db: Database, clinic: list[dict[str, Any]],
                                                                           on: int, chunk: int) -> None:
    catalogue.sync_catalogue(db)
    rules.sync_rules(db)
    day = START + timedelta(days=on)
    for p in clinic:  # the database keeps the earlier examples' patients: all are compared each time
        pid = add_patient(db, f"G-{next(MRNS)}", p)
        add_decisions(db, pid, p, day)
    with db.reading() as s:
        reference = prompt_reference.evaluate_patients(s, day)
        fast = prompt_store.evaluate_patients(s, None, day)
        # A few patients a chunk, so the clinic the examples build up spans many chunks (each a range
        # of ids, with discharged patients between the active ones): none lost, none read twice.
        chunks = list(prompt_store.evaluate_in_chunks(s, day, chunk=chunk))
    assert shown({pid: [(e.finding, e) for e in rows] for pid, rows in fast.items()}) == shown(reference)
    in_chunks = [(pid, (e.finding, e)) for part in chunks for pid, rows in part.items() for e in rows]
    assert sorted(pid for part in chunks for pid in part) == sorted(reference)
    assert shown({pid: [fe for p2, fe in in_chunks if p2 == pid] for pid in reference}) == shown(reference)
    counts = {pid: sum(st.state == "open" for _, st in rows) for pid, rows in reference.items()}
    assert prompts.open_prompt_counts(db, on=day) == {pid: n for pid, n in counts.items() if n}
    assert prompts.open_prompt_counts(db, on=day, chunk=chunk) == {pid: n for pid, n in counts.items() if n}
    for pid, rows in reference.items():  # one patient at a time, as the plan editor reads them
        assert [(p.rule, p.state) for p in prompts.prompts_for(db, pid, on=day)] == [
            (f.rule.code, st.state) for f, st in rows]
