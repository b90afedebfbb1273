"""`careplan fhir MRN [--out F] [--history]` (issue 17 part 2): every revision as a CarePlan linked by
`replaces`, the ALS course as Observations, corrections as entered-in-error, bad input refused."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given, settings
from hypothesis import strategies as st

from careplan.cli import main
from careplan.domain.course import Alsfrs, Assessment, FvcPosition, Item5Form
from careplan.domain.fhir import record_bundle
from careplan.domain.fhir_observations import (
    LOINC,
    LOINC_CODES,
    OBSERVATION_SYSTEM,
    course_observations,
)
from careplan.domain.patient import Patient
from careplan.domain.plan import Goal, PlanContent, PlanStatus, Revision
from careplan.persistence.engine import Database
from careplan.services import course, demo, plans
from careplan.services.patients import search_patients

CONFIRMED_LOINC = {code for code, _ in LOINC_CODES.values()}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _parsed(bundle: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """(fullUrl, R4B model) by resource type; every resource and the bundle must parse."""
    get_fhir_model_class("Bundle").model_validate(bundle)
    by_type: dict[str, list[tuple[str, Any]]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        by_type.setdefault(resource["resourceType"], []).append((entry["fullUrl"], model))
    return by_type


def _ours(observation: Any) -> str:
    return next(c.code for c in observation.code.coding if c.system == OBSERVATION_SYSTEM)


def _correct_first_assessment(db: Database, patient_id: int) -> tuple[int, int]:
    first = course.history(db, patient_id)[0]
    fixed = course.add_assessment(db, patient_id, course.correction(
        db, patient_id, first.id or 0, author="Nurse B", reason="weight typed in pounds", weight_kg=61.5))
    return first.id or 0, fixed.id or 0


def test_every_demo_patient_exports_with_history_and_every_resource_parses(
        db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo.generate_demo(db, patients=5, seed=17, mean_revisions=4)
    rows = search_patients(db, "", limit=100)
    old_id, new_id = _correct_first_assessment(db, rows[0].id)
    for row in rows:
        out = tmp_path / f"{row.mrn}.json"
        code, printed, err = _cli(capsys, "fhir", row.mrn, "--history", "--out", str(out), "--db", db_url)
        assert (code, err) == (0, ""), err
        assert printed.startswith(f"Wrote every revision of {row.mrn}'s plan as FHIR R4B")
        by_type = _parsed(json.loads(out.read_text(encoding="utf-8")))

        # One CarePlan per revision, oldest first; each replaces the one before; only the latest is in force.
        revisions = plans.history(db, row.id)
        careplans = by_type["CarePlan"]
        assert [p.identifier[0].value for _, p in careplans] == [f"{row.mrn}/{r.number}" for r in revisions]
        assert careplans[0][1].replaces is None
        for (before_url, _), (_, after) in zip(careplans, careplans[1:], strict=False):
            assert [r.reference for r in after.replaces] == [before_url]
        assert [p.status for _, p in careplans[:-1]] == ["revoked"] * (len(careplans) - 1)
        assert careplans[-1][1].status == {"active": "active", "draft": "draft"}[revisions[-1].status]
        latest = plans.load_plan(db, row.id).latest
        assert latest is not None
        assert {c.detail.code.coding[0].code for c in careplans[-1][1].activity or []} == \
            {i.catalogue_code for i in latest.content.items}
        goal_urls = {url for url, _ in by_type.get("Goal", [])}
        assert {g.reference for _, p in careplans for g in p.goal or []} == goal_urls

        # Every assessment, corrected ones included and marked; codes only from our table.
        everything = course.history(db, row.id)
        observations = [o for _, o in by_type.get("Observation", [])]
        ids = Counter(o.identifier[0].value.split("/")[1] for o in observations)
        assert set(ids) == {str(a.id) for a in everything}
        for o in observations:
            assert {c.code for c in o.code.coding if c.system == LOINC} <= CONFIRMED_LOINC
            assert o.performer[0].display and o.effectiveDateTime
        retracted = {o.identifier[0].value.split("/")[1] for o in observations if o.status == "entered-in-error"}
        assert retracted == ({str(old_id)} if row.id == rows[0].id else set())
        for a in everything:
            if a.alsfrs is None:
                continue
            mine = [o for o in observations if o.identifier[0].value.split("/")[1] == str(a.id)]
            codes = {_ours(o): o for o in mine}
            item5 = f"alsfrs-r-{a.alsfrs.item5_form.value}"
            assert item5 in codes and ({"alsfrs-r-5a", "alsfrs-r-5b"} - {item5}).isdisjoint(codes)
            assert codes[item5].valueInteger == a.alsfrs.item(5)
            assert codes["alsfrs-r-total"].valueInteger == sum(a.alsfrs.items)
            assert len(codes["alsfrs-r"].hasMember) == 13
    assert new_id > old_id


def test_without_history_stdout_has_the_latest_plan_and_only_uncorrected_assessments(
        db: Database, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    demo.generate_demo(db, patients=1, seed=5, mean_revisions=3)
    [row] = search_patients(db, "", limit=10)
    old_id, new_id = _correct_first_assessment(db, row.id)
    code, printed, err = _cli(capsys, "fhir", row.mrn, "--db", db_url)
    assert (code, err) == (0, "")
    by_type = _parsed(json.loads(printed))  # stdout is the bundle and nothing else
    [(_, plan)] = by_type["CarePlan"]
    assert plan.replaces is None and plan.status in ("active", "draft")
    observations = [o for _, o in by_type["Observation"]]
    assessment_ids = {o.identifier[0].value.split("/")[1] for o in observations}
    assert str(old_id) not in assessment_ids and str(new_id) in assessment_ids
    assert {o.status for o in observations} == {"final"}
    [weight] = [o for o in observations if _ours(o) == "weight" and o.identifier[0].value.split("/")[1] == str(new_id)]
    assert weight.valueQuantity.value == 61.5 and weight.note[0].text == f"Corrects assessment {old_id}: weight typed in pounds"


scores = st.tuples(*[st.integers(0, 4)] * 12)
measures = st.one_of(st.none(), st.floats(1, 200, allow_nan=False).map(lambda v: round(v, 1)))


@settings(max_examples=100, deadline=None)
@given(items=st.one_of(st.none(), scores), form=st.sampled_from(list(Item5Form)), fvc_pct=measures,
       fvc_litres=measures.map(lambda v: None if v is None else round(v / 20, 2) or 0.1),
       position=st.one_of(st.none(), st.sampled_from(list(FvcPosition))), snip=measures,
       weight=st.one_of(st.none(), st.floats(15, 350).map(lambda v: round(v, 1))),
       retracted=st.booleans(), author=st.text(min_size=1, max_size=30).filter(str.strip))
def test_every_measurement_is_one_observation_with_its_value_and_a_valid_r4b_shape(
        items: tuple[int, ...] | None, form: Item5Form, fvc_pct: float | None, fvc_litres: float | None,
        position: FvcPosition | None, snip: float | None, weight: float | None, retracted: bool, author: str) -> None:
    a = Assessment(date(2026, 3, 4), author, alsfrs=Alsfrs(items, form) if items else None, fvc_pct=fvc_pct,
                   fvc_litres=fvc_litres, fvc_position=position if (fvc_pct or fvc_litres) else None,
                   snip_cmh2o=snip, weight_kg=weight, id=7)
    entries = course_observations("M-1", "urn:uuid:00000000-0000-4000-8000-000000000001", [a],
                                  {7} if retracted else set(), lambda key: f"urn:careplan:test:{key}")
    model = get_fhir_model_class("Observation")
    found = {_ours(model.model_validate(r)): r for _, r in entries}
    assert len(found) == len(entries)  # no measurement twice
    expected: dict[str, Any] = {"fvc-pct": fvc_pct, "fvc-litres": fvc_litres, "snip": snip, "weight": weight}
    if items:
        expected |= {"alsfrs-r-total": sum(items)}
        expected |= {(f"alsfrs-r-{form.value}" if n == 5 else f"alsfrs-r-{n}"): items[n - 1] for n in range(1, 13)}
    expected = {k: v for k, v in expected.items() if v is not None}
    assert set(found) - {"alsfrs-r"} == set(expected)
    for code, value in expected.items():
        got = found[code].get("valueInteger", found[code].get("valueQuantity", {}).get("value"))
        assert got == value, code
    for r in found.values():
        assert r["status"] == ("entered-in-error" if retracted else "final")
        assert r["effectiveDateTime"] == "2026-03-04" and r["performer"] == [{"display": author}]
        if position and r["code"]["coding"][0]["code"].startswith("fvc-"):
            assert r["method"]["text"].lower().startswith(position.value)


goal_pool = st.sampled_from(["Keep walking indoors", "<b>Eat</b> & drink safely", "Breathe easier at night 🙂",
                             "\u05dc\u05e0\u05e9\u05d5\u05dd \u05d1\u05e7\u05dc\u05d5\u05ea"])
revision_plans = st.lists(st.tuples(st.sampled_from(list(PlanStatus)),
                                    st.lists(goal_pool, max_size=3, unique=True)), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(plans_given=revision_plans)
def test_the_revision_chain_and_goals_follow_the_history_whatever_it_is(
        plans_given: list[tuple[PlanStatus, list[str]]]) -> None:
    revisions = [Revision(n, datetime(2026, 1, n, tzinfo=UTC), "Nurse", f"visit {n}",
                          PlanContent(status=status, goals=tuple(Goal(t) for t in goals)))
                 for n, (status, goals) in enumerate(plans_given, start=1)]
    by_type = _parsed(record_bundle(Patient("M-2", "Ana"), revisions, []))
    careplans = by_type["CarePlan"]
    assert [p.title for _, p in careplans] == [f"Care plan, revision {r.number}" for r in revisions]
    assert [p.status for _, p in careplans] == ["revoked"] * (len(revisions) - 1) + [plans_given[-1][0].value]
    assert [[r.reference for r in p.replaces or []] for _, p in careplans] == \
        [[]] + [[url] for url, _ in careplans[:-1]]
    goals = {url: g for url, g in by_type.get("Goal", [])}
    assert len({g.description.text for g in goals.values()}) == len(goals)  # one Goal per text
    for (_, plan), (_, texts) in zip(careplans, plans_given, strict=True):
        assert [goals[g.reference].description.text for g in plan.goal or []] == texts
    latest = set(plans_given[-1][1])
    assert {g.description.text: g.lifecycleStatus for g in goals.values()} == \
        {t: "active" if t in latest else "cancelled" for _, ts in plans_given for t in ts}
