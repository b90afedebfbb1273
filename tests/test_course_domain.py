"""The ALS course rules against cases worked by hand from the published rules
(shared/domain.md, "Measuring progression"), plus properties over every score."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careplan.domain.course import (
    Alsfrs,
    Assessment,
    FvcPosition,
    Item5Form,
    parse_alsfrs,
    parse_number,
    validate_assessment,
)
from careplan.domain.errors import ValidationError
from careplan.domain.staging import (
    bmi,
    delta_fs,
    kings_from_alsfrs,
    mitos,
    scores,
    weight_change_pct,
)

ALL_4 = "4,4,4,4,4a,4,4,4,4,4,4,4"


def with_scores(**changes: int | str) -> Alsfrs:
    """All-normal ALSFRS-R with some items changed: with_scores(i1=3, i5="2b")."""
    parts = ALL_4.split(",")
    for key, value in changes.items():
        parts[int(key[1:]) - 1] = str(value)
    return parse_alsfrs(",".join(parts))


# (changes, stage, nutritional_failure, respiratory_failure, regions): worked by hand from
# Balendra 2014 - bulbar if any of 1-3 < 4; upper limb if 4 or 5a < 4; lower limb if 8 < 4;
# 4A when 5b is answered; 4B when item 10 is 0 or item 12 < 4; stage 4 overrides 1-3.
KINGS_CASES = [
    ({}, None, False, False, ()),
    ({"i7": 0, "i9": 0, "i6": 0, "i11": 0}, None, False, False, ()),  # items outside the rule
    ({"i1": 3}, "1", False, False, ("bulbar",)),
    ({"i2": 0}, "1", False, False, ("bulbar",)),
    ({"i3": 3}, "1", False, False, ("bulbar",)),
    ({"i4": 3}, "1", False, False, ("upper limb",)),
    ({"i5": "3a"}, "1", False, False, ("upper limb",)),
    ({"i8": 3}, "1", False, False, ("lower limb",)),
    ({"i1": 2, "i4": 2}, "2", False, False, ("bulbar", "upper limb")),
    ({"i3": 2, "i8": 1}, "2", False, False, ("bulbar", "lower limb")),
    ({"i5": "1a", "i8": 2}, "2", False, False, ("upper limb", "lower limb")),
    ({"i2": 3, "i4": 3, "i8": 3}, "3", False, False, ("bulbar", "upper limb", "lower limb")),
    ({"i5": "4b"}, "4A", True, False, ()),
    ({"i5": "1b"}, "4A", True, False, ()),  # 5b never counts as upper limb
    ({"i5": "2b", "i3": 1, "i8": 2}, "4A", True, False, ("bulbar", "lower limb")),
    ({"i10": 0}, "4B", False, True, ()),
    ({"i12": 3}, "4B", False, True, ()),
    ({"i10": 1}, None, False, False, ()),  # dyspnoea must be 0 for 4B
    ({"i10": 1, "i1": 3}, "1", False, False, ("bulbar",)),
    ({"i12": 3, "i1": 2, "i4": 2, "i8": 2}, "4B", False, True, ("bulbar", "upper limb", "lower limb")),
    ({"i5": "3b", "i12": 2}, "4B", True, True, ()),
    ({"i5": "0b", "i10": 0, "i12": 0}, "4B", True, True, ()),
]


@pytest.mark.parametrize(("changes", "stage", "nutritional", "respiratory", "regions"), KINGS_CASES)
def test_kings_stage_worked_cases(changes: dict, stage: str | None, nutritional: bool, respiratory: bool,
                                  regions: tuple[str, ...]) -> None:
    k = kings_from_alsfrs(with_scores(**changes))
    assert (k.stage, k.nutritional_failure, k.respiratory_failure, k.regions) == (
        stage, nutritional, respiratory, regions)
    assert "ALSFRS-R" in k.source
    if stage is None:
        assert k.reason.startswith("Not estimable") and "no region" in k.reason
    else:
        assert k.reason.startswith(f"Stage {stage}")
    if nutritional and respiratory:
        assert "both 4A and 4B" in k.reason


def test_kings_without_alsfrs_says_so() -> None:
    k = kings_from_alsfrs(None)
    assert k.stage is None and "No ALSFRS-R" in k.reason


# (changes, MiToS stage) worked by hand from Chio 2015.
MITOS_CASES = [
    ({}, 0),
    ({"i8": 1}, 1), ({"i8": 2}, 0), ({"i6": 1}, 1), ({"i6": 0, "i8": 0}, 1),
    ({"i3": 1}, 1), ({"i3": 2}, 0),
    ({"i1": 1, "i4": 1}, 1), ({"i1": 0, "i4": 2}, 0), ({"i1": 2, "i4": 0}, 0), ({"i1": 0, "i4": 4}, 0),
    ({"i10": 1}, 1), ({"i10": 2}, 0), ({"i12": 2}, 1), ({"i12": 3}, 0), ({"i11": 0}, 0),
    ({"i8": 0, "i3": 0, "i1": 0, "i4": 0, "i12": 0}, 4),
    ({"i8": 1, "i3": 1, "i1": 1, "i4": 2, "i10": 1}, 3),
]


@pytest.mark.parametrize(("changes", "stage"), MITOS_CASES)
def test_mitos_worked_cases(changes: dict, stage: int) -> None:
    m = mitos(with_scores(**changes))
    assert m.value == stage
    assert m.rule.startswith(f"Stage {stage}") and "AND" in m.rule


def test_mitos_names_the_domains_lost() -> None:
    assert "communication" in mitos(with_scores(i1=1, i4=1)).rule
    assert "lost: none" in mitos(with_scores(i1=1, i4=2)).rule


# (total, onset, visit, ΔFS) by hand: months = days / 30.4375.
DELTA_FS_CASES = [
    (36, date(2025, 1, 1), date(2026, 1, 1), 1.0),  # 12 / (365 / 30.4375 = 11.99)
    (42, date(2026, 1, 1), date(2026, 4, 1), 2.03),  # 6 / (90 / 30.4375 = 2.957)
    (45, date(2024, 3, 1), date(2026, 3, 1), 0.13),  # 3 / (730 / 30.4375 = 23.98) = 0.1251
    (48, date(2025, 6, 1), date(2026, 1, 1), 0.0),
]


@pytest.mark.parametrize(("total", "onset", "visit", "rate"), DELTA_FS_CASES)
def test_delta_fs_worked_cases(total: int, onset: date, visit: date, rate: float) -> None:
    loss = 48 - total
    items = {f"i{n}": 4 - min(4, max(0, loss - 4 * (n - 1))) for n in (1, 2, 3)}
    assert sum(4 - v for v in items.values()) == loss
    got = delta_fs(with_scores(**items), onset, visit)
    assert got.value == rate
    assert "ΔFS = (48 - " in got.rule


def test_delta_fs_pace_words() -> None:
    onset = date(2025, 1, 1)
    assert "(slow" in delta_fs(with_scores(i1=3), onset, date(2026, 1, 1)).rule
    assert "(intermediate" in delta_fs(with_scores(i1=0, i2=0, i3=2), onset, date(2026, 1, 1)).rule
    assert "(fast" in delta_fs(with_scores(i1=0, i2=0, i3=0), onset, date(2026, 1, 1)).rule


@pytest.mark.parametrize("onset", [date(2026, 1, 1), date(2026, 2, 1)])
def test_delta_fs_not_computable_when_onset_on_or_after_the_visit(onset: date) -> None:
    got = delta_fs(with_scores(i1=2), onset, date(2026, 1, 1))
    assert got.value is None and "on or after this assessment" in got.rule


def test_delta_fs_needs_onset_and_alsfrs() -> None:
    assert "onset date is not recorded" in delta_fs(with_scores(i1=2), None, date(2026, 1, 1)).rule
    assert "No ALSFRS-R" in delta_fs(None, date(2025, 1, 1), date(2026, 1, 1)).rule


def test_bmi_and_weight_change_worked_cases() -> None:
    assert bmi(70, 175).value == 22.9  # 70 / 1.75² = 22.86
    under = bmi(50, 170)  # 50 / 2.89 = 17.30
    assert under.value == 17.3 and "underweight" in under.rule
    assert bmi(70, None).value is None and "height" in bmi(70, None).rule
    assert bmi(None, 170).value is None
    assert weight_change_pct(63, 70).value == -10.0 and "over 10%" not in weight_change_pct(63, 70).rule
    loss = weight_change_pct(62, 70)  # -8 / 70 = -11.43%
    assert loss.value == -11.4 and "over 10%" in loss.rule
    assert weight_change_pct(72, 70).value == 2.9
    assert "usual" in weight_change_pct(70, None).rule


def test_scores_total_and_domains() -> None:
    s = scores(parse_alsfrs("4,3,2,4,2b,3,4,3,2,4,1,4"))
    assert (s.total, s.bulbar, s.fine_motor, s.gross_motor, s.respiratory) == (36, 9, 9, 9, 9)
    assert "5b" in s.rule


def test_parse_keeps_item_5_form() -> None:
    a = parse_alsfrs(" 4, 4,4,4,4A,4,4,3,4,4,4,4 ")
    assert a.item5_form is Item5Form.WITHOUT_GASTROSTOMY and a.items[7] == 3
    assert a.as_text() == "4,4,4,4,4a,4,4,3,4,4,4,4"
    assert parse_alsfrs("4,4,4,4,2b,4,4,3,4,4,4,4").item5_form is Item5Form.WITH_GASTROSTOMY


@pytest.mark.parametrize(("text", "fragment"), [
    ("4,4,4,4,4a,4,4,4,4,4,4", "12 scores"),
    ("4,4,4,4,4a,4,4,4,4,4,4,4,4", "got 13"),
    ("5,4,4,4,4a,4,4,4,4,4,4,4", "item 1 (speech) is '5'"),
    ("4,4,4,4,4c,4,4,4,4,4,4,4", "item 5"),
    ("4,4,4,4,4,4,4,4,4,4,4,4", "5a (no gastrostomy) or 5b"),
    ("4a,4,4,4,4a,4,4,4,4,4,4,4", "item 1"),
    ("4,4,4,4,4a,4,4,4,4,4,4,-1", "item 12"),
    ("", "12 scores"),
    ("4,4,4,4,4a,4,4,4,4,4,4,<b>", "item 12"),
])
def test_parse_refuses_with_one_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_alsfrs(text)
    assert [p.field for p in err.value.problems] == ["alsfrs"]
    assert fragment in str(err.value)


TODAY = date(2026, 12, 1)
BORN = date(1960, 5, 5)
OK = Assessment(date(2026, 11, 30), "Nurse Ada", alsfrs=with_scores(i1=3), fvc_pct=82, weight_kg=70)


@pytest.mark.parametrize(("changes", "field", "fragment"), [
    ({"assessed_on": date(2026, 12, 2)}, "date", "in the future"),
    ({"assessed_on": date(1960, 5, 4)}, "date", "before the date of birth"),
    ({"fvc_pct": 0}, "fvc_pct", "FVC (% predicted) is 0"),
    ({"fvc_pct": 300}, "fvc_pct", "is 300; expected 1 to 200"),
    ({"fvc_pct": float("nan")}, "fvc_pct", "FVC"),
    ({"weight_kg": -70}, "weight_kg", "The weight (kg) is -70"),
    ({"snip_cmh2o": 0}, "snip_cmh2o", "SNIP"),
    ({"fvc_litres": 40}, "fvc_litres", "litres"),
    ({"author": "  "}, "author", "who made"),
    ({"kings_recorded": "5"}, "kings_recorded", "King's stage '5'"),
    ({"alsfrs": Alsfrs((4,) * 11, Item5Form.WITHOUT_GASTROSTOMY)}, "alsfrs", "12 whole scores"),
    ({"alsfrs": None, "fvc_pct": None, "weight_kg": None}, "assessment", "Nothing was entered"),
    ({"fvc_pct": None, "fvc_position": FvcPosition.LYING}, "fvc_position", "without an FVC"),
])
def test_validation_names_the_field(changes: dict, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_assessment(replace(OK, **changes), today=TODAY, date_of_birth=BORN)
    assert [p.field for p in err.value.problems] == [field]
    assert fragment in str(err.value)


def test_any_subset_is_accepted() -> None:
    validate_assessment(OK, today=TODAY, date_of_birth=BORN)
    validate_assessment(Assessment(TODAY, "Ada", snip_cmh2o=35), today=TODAY, date_of_birth=None)
    validate_assessment(Assessment(BORN, "Ada", weight_kg=15), today=TODAY, date_of_birth=BORN)


def test_parse_number_names_the_field() -> None:
    assert parse_number("weight_kg", " 70,5 ") == 70.5 and parse_number("weight_kg", "") is None
    with pytest.raises(ValidationError, match="weight_kg: The weight .kg. is 'seventy'"):
        parse_number("weight_kg", "seventy")
    with pytest.raises(ValidationError, match="fvc_pct"):
        parse_number("fvc_pct", "inf")


alsfrs_values = st.builds(
    Alsfrs, st.tuples(*[st.integers(0, 4)] * 12), st.sampled_from(list(Item5Form)))


@given(alsfrs_values)
def test_total_is_the_sum_of_the_domains(a: Alsfrs) -> None:
    s = scores(a)
    assert s.total == s.bulbar + s.fine_motor + s.gross_motor + s.respiratory == sum(a.items)
    assert 0 <= s.total <= 48


@given(alsfrs_values)
def test_text_round_trip(a: Alsfrs) -> None:
    assert parse_alsfrs(a.as_text()) == a


@given(alsfrs_values, st.integers(0, 11), st.integers(1, 4))
def test_worse_scores_never_lower_mitos_or_regions(a: Alsfrs, index: int, drop: int) -> None:
    worse = list(a.items)
    worse[index] = max(0, worse[index] - drop)
    b = Alsfrs(tuple(worse), a.item5_form)
    assert (mitos(b).value or 0) >= (mitos(a).value or 0)
    ka, kb = kings_from_alsfrs(a), kings_from_alsfrs(b)
    assert set(ka.regions) <= set(kb.regions)
    assert kb.respiratory_failure or not ka.respiratory_failure
    assert kb.nutritional_failure == ka.nutritional_failure


@given(alsfrs_values)
def test_kings_stage_agrees_with_its_flags(a: Alsfrs) -> None:
    k = kings_from_alsfrs(a)
    if k.respiratory_failure:
        assert k.stage == "4B"
    elif k.nutritional_failure:
        assert k.stage == "4A"
    elif k.regions:
        assert k.stage == str(len(k.regions))
    else:
        assert k.stage is None
    assert k.nutritional_failure == (a.item5_form is Item5Form.WITH_GASTROSTOMY)


@given(alsfrs_values, st.integers(1, 3650), st.integers(0, 3650))
def test_delta_fs_only_after_onset_and_never_negative(a: Alsfrs, days: int, back: int) -> None:
    visit = date(2026, 1, 1)
    onset = date.fromordinal(visit.toordinal() - days)
    got = delta_fs(a, onset, visit)
    assert got.value is not None and got.value >= 0
    assert delta_fs(a, date.fromordinal(visit.toordinal() + back), visit).value is None
