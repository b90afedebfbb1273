"""The guideline rules file: the shipped one is sound, and every kind of problem in a clinic's
file is named with file, line and rule code, all at once."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from careplan.domain.guideline_facts import FACTS, PatientFacts
from careplan.domain.guidelines import OPERATORS, condition_problems, holds
from careplan.domain.rules_parse import RulesFileError, parse_rules
from careplan.services.catalogue import shipped_catalogue
from careplan.services.rules import SCHEMA_FILE, load_rules_file

CODES = {i.code for i in shipped_catalogue()}
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def problems_of(text: str) -> list[str]:
    with pytest.raises(RulesFileError) as caught:
        parse_rules(textwrap.dedent(text), "clinic.yaml", SCHEMA, CODES)
    return caught.value.problems


def test_shipped_rules_load_and_cover_the_domain_thresholds() -> None:
    rules = {r.code: r for r in load_rules_file()}
    assert {"niv_fvc_below_50", "niv_symptoms_fvc_below_80", "gastrostomy_before_10pct_loss",
            "gastrostomy_weight_loss_over_10", "acp_at_diagnosis", "acp_after_major_change", "acp_yearly",
            "voice_banking_speech_declining", "kings_4a_nutritional_failure", "kings_4b_respiratory_failure"} <= set(rules)
    for r in rules.values():
        assert set(r.suggests) <= CODES, r.code
        assert r.rationale and r.source and r.title, r.code
        assert condition_problems(r.when, CODES) == [], r.code
        assert any(g in r.source for g in ("NICE", "AAN", "EFNS", "King's")), r.code


BAD = """\
    format: 1
    rules:
      - code: niv_low
        title: NIV
        when: {fact: fvc_percent, below: 50}
        suggests: [resp_niv]
        rationale: Low FVC.
        source: NICE NG42
        severity: high
      - code: tube_talk
        title: Tube
        when: {fact: weight_loss_percent, above: 10}
        suggests: [nut_gastrostomy_discusion]
        rationale: Weight.
        source: EFNS
      - code: bad_fact
        title: Bad fact
        when:
          all:
            - {fact: fvc_percent, below: 50}
            - {fact: lung_age, above: 3}
        suggests: [resp_niv]
        rationale: x
        source: x
      - code: bad_operator
        title: Bad operator
        when: {fact: kings_stage, below: 4}
        suggests: [resp_niv]
        rationale: x
        source: x
      - code: bad_type
        title: Bad type
        when:
          any:
            - {fact: fvc_percent, below: "fifty"}
            - {plan_lacks: [resp_nvi]}
        suggests: [resp_niv]
        rationale: x
        source: x
      - code: niv_low
        title: Twice
        when: {fact: alsfrs_item, item: 13, at_most: 3}
        suggests: [resp_niv]
        rationale: x
        source: x
    """


def test_every_problem_is_named_with_file_line_and_rule() -> None:
    problems = problems_of(BAD)
    expected = [
        ("line 9, rule 1 (code niv_low), field 'severity'", "is not a field a rule has"),
        ("line 13, rule 2 (code tube_talk)", "'nut_gastrostomy_discusion' is not in the catalogue"),
        ("line 21, rule 3 (code bad_fact)", "(all > 2 > fact): 'lung_age' is not a known fact"),
        ("line 27, rule 4 (code bad_operator)", "'below' compares numbers, and this fact is a stage"),
        ("line 35, rule 5 (code bad_type)", "(any > 1 > below): 'below' needs a number; it is the text 'fifty'"),
        ("line 36, rule 5 (code bad_type)", "'resp_nvi' is not a catalogue code"),
        ("line 40, rule 6 (code niv_low), field 'code'", "'niv_low' is already used by rule 1"),
        ("line 42, rule 6 (code niv_low)", "an ALSFRS-R item number from 1 to 12"),
    ]
    assert len(problems) == len(expected), problems
    for line, (where, what) in zip(problems, expected, strict=True):
        assert line.startswith(f"clinic.yaml, {where}") and what in line, line


@pytest.mark.parametrize(("text", "needle"), [
    ("format: 1\nrules: [\n", "line 3"),
    ("", "the file is empty; it needs 'format: 1' and a list of 'rules'"),
    ("format: 2\nrules: []\n", "must be 1"),
    ("format: 1\nrules:\n  - code: x1x\n    title: t\n", "field 'when': is missing; every rule needs it"),
    ("format: 1\nrules:\n  - {code: a_b, title: t, when: {}, suggests: [resp_niv], rationale: r, source: s}\n",
     "a condition needs exactly one of"),
    ("format: 1\nrules:\n  - {code: a_b, title: t, when: {fact: fvc_percent}, suggests: [resp_niv], rationale: r, "
     "source: s}\n", "needs exactly one operator"),
    ("format: 1\nrules:\n  - {code: a_b, title: t, when: {fact: respiratory_failure, equals: 1}, suggests: [resp_niv], "
     "rationale: r, source: s}\n", "this fact is true or false; the number 1 can never match"),
    ("format: 1\nrules:\n  - {code: a_b, title: t, when: {eval: '__import__(\"os\")'}, suggests: [resp_niv], "
     "rationale: r, source: s}\n", "a condition needs exactly one of all, any, not"),
])
def test_each_kind_of_problem(text: str, needle: str) -> None:
    problems = problems_of(text)
    assert any(needle in p for p in problems), problems
    assert all(p.startswith("clinic.yaml") for p in problems)


conditions = st.recursive(
    st.one_of(
        st.fixed_dictionaries({"fact": st.sampled_from([*FACTS, "nope"])}, optional={
            op: st.one_of(st.integers(-5, 60), st.floats(allow_nan=True), st.text(max_size=3), st.booleans(),
                          st.lists(st.sampled_from(["3", "4A", "4B", 3]), max_size=2), st.none())
            for op in [*OPERATORS, "item", "codes", "measure"]}),
        *(st.fixed_dictionaries({test: st.lists(st.sampled_from(["resp_niv", "nope", "pal_advance_care_planning"]),
                                                 max_size=2)}) for test in ("plan_has", "plan_lacks")),
        st.none(), st.integers(), st.text(max_size=4),
    ),
    lambda inner: st.one_of(st.fixed_dictionaries({"all": st.lists(inner, max_size=3)}),
                            st.fixed_dictionaries({"any": st.lists(inner, max_size=3)}),
                            st.fixed_dictionaries({"not": inner})),
    max_leaves=6,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@example({"fact": "months_since_measured", "below": None, "measure": []})  # once crashed the checker
@given(conditions)
def test_a_condition_that_passes_the_check_always_evaluates(cond: object) -> None:
    """The checker is the only gate before evaluation: nothing it lets through may crash."""
    from datetime import date

    if condition_problems(cond, CODES):
        return
    assert isinstance(cond, dict)
    ok, why = holds(cond, PatientFacts(on=date(2026, 1, 1)))
    assert isinstance(ok, bool) and isinstance(why, tuple)


def test_import_file_names_the_clinic_file(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text("format: 1\nrules:\n  - {code: a_b, title: t, when: {fact: fvc_percent, below: 50}, "
                    "suggests: [resp_niv], rationale: r, source: s, colour: red}\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match=r"ours\.yaml, line 3, rule 1 \(code a_b\), field 'colour'"):
        load_rules_file(path, catalogue_codes=CODES)
