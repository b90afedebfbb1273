"""What an assessment says about the disease, each value with the rule that produced it.

Every function returns the value and a short sentence a clinician can check: how it was
derived, or why it could not be (a missing score is said, never guessed). The rules are the
published ones as summarised in shared/domain.md, "Measuring progression":

- ALSFRS-R domains: bulbar 1-3, fine motor 4-6, gross motor 7-9, respiratory 10-12.
- King's stage estimated from ALSFRS-R: Balendra et al., ALS-FTD 2014 (after Roche et al.,
  Brain 2012).
- MiToS stage: Chio et al., JNNP 2015.
- Progression rate ΔFS: Kimura et al., Neurology 2006.
- BMI below 18.5 is underweight; weight loss over 10% of usual weight is a gastrostomy trigger
  (EFNS 2012).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from careplan.domain.course import MAX_TOTAL, Alsfrs, Assessment, Item5Form

DAYS_PER_MONTH = 365.25 / 12
DOMAINS = {"bulbar": (1, 2, 3), "fine_motor": (4, 5, 6), "gross_motor": (7, 8, 9), "respiratory": (10, 11, 12)}
NO_ALSFRS = "No ALSFRS-R was recorded at this assessment."


@dataclass(frozen=True)
class Computed:
    """A derived number, or None with the reason; `rule` always says how or why not."""

    value: float | None
    rule: str


@dataclass(frozen=True)
class AlsfrsScores:
    total: int
    bulbar: int
    fine_motor: int
    gross_motor: int
    respiratory: int
    rule: str


@dataclass(frozen=True)
class KingsStage:
    stage: str | None  # "1".."3", "4A", "4B"; None when it cannot be estimated
    regions: tuple[str, ...]
    nutritional_failure: bool
    respiratory_failure: bool
    source: str
    reason: str


def scores(alsfrs: Alsfrs) -> AlsfrsScores:
    sums = {name: sum(alsfrs.item(n) for n in items) for name, items in DOMAINS.items()}
    total = sum(alsfrs.items)
    rule = (f"Total {total}/48 = sum of the 12 items; bulbar {sums['bulbar']} (items 1-3), fine motor "
            f"{sums['fine_motor']} (4-6, item 5 as {alsfrs.item5_form.value}), gross motor "
            f"{sums['gross_motor']} (7-9), respiratory {sums['respiratory']} (10-12).")
    return AlsfrsScores(total=total, rule=rule, **sums)


def respiratory_failure(dyspnoea: int, respiratory_insufficiency: int) -> bool:
    """King's 4B from ALSFRS-R: item 10 (dyspnoea) is 0 or item 12 (respiratory insufficiency) below 4."""
    return dyspnoea == 0 or respiratory_insufficiency < 4


def kings_from_alsfrs(alsfrs: Alsfrs | None) -> KingsStage:
    """King's stage estimated from ALSFRS-R (Balendra et al. 2014)."""
    source = "estimated from ALSFRS-R (Balendra 2014)"
    if alsfrs is None:
        return KingsStage(None, (), False, False, source, NO_ALSFRS)
    item = alsfrs.item
    regions: list[str] = []
    if min(item(1), item(2), item(3)) < 4:
        regions.append("bulbar")
    upper_by_5a = alsfrs.item5_form is Item5Form.WITHOUT_GASTROSTOMY and item(5) < 4
    if item(4) < 4 or upper_by_5a:
        regions.append("upper limb")
    if item(8) < 4:
        regions.append("lower limb")
    nutritional = alsfrs.item5_form is Item5Form.WITH_GASTROSTOMY
    respiratory = respiratory_failure(item(10), item(12))
    why_4 = []
    if nutritional:
        why_4.append("4A: item 5 answered as 5b (gastrostomy in use)")
    if respiratory:
        why_4.append(f"4B: dyspnoea (item 10) {item(10)}, respiratory insufficiency (item 12) {item(12)}"
                     " - item 10 is 0 or item 12 below 4")
    involved = (f"{len(regions)} region{'s' if len(regions) > 1 else ''} involved ({', '.join(regions)})"
                if regions else "no region involved")
    if why_4:
        # Stage 4 overrides 1-3. With both failures the flags keep both; the stage names 4B.
        stage = "4B" if respiratory else "4A"
        both = "; both 4A and 4B hold" if nutritional and respiratory else ""
        return KingsStage(stage, tuple(regions), nutritional, respiratory, source,
                          f"Stage {stage}: {'; '.join(why_4)}{both}; stage 4 overrides {involved}.")
    if not regions:
        return KingsStage(None, (), False, False, source,
                          "Not estimable: no region is involved (items 1-3, 4, 5a and 8 are all 4), "
                          "and King's staging starts at the first involved region.")
    stage = str(len(regions))
    return KingsStage(stage, tuple(regions), False, False, source,
                      f"Stage {stage} = {involved}: bulbar if any of items 1-3 < 4, upper limb if item 4 "
                      "or 5a < 4, lower limb if item 8 < 4.")


def kings_recorded(a: Assessment) -> KingsStage | None:
    """The stage a clinician recorded by hand, if any, labelled as such."""
    if a.kings_recorded is None:
        return None
    stage = a.kings_recorded
    return KingsStage(stage, (), stage == "4A", stage == "4B", "recorded by clinician",
                      f"Stage {stage} as recorded by {a.author}.")


def mitos(alsfrs: Alsfrs | None) -> Computed:
    """MiToS stage (Chio et al. 2015): the number of functional domains lost, 0-4."""
    if alsfrs is None:
        return Computed(None, NO_ALSFRS)
    item = alsfrs.item
    lost = {
        "movement": item(8) <= 1 or item(6) <= 1,
        "swallowing": item(3) <= 1,
        "communication": item(1) <= 1 and item(4) <= 1,
        "breathing": item(10) <= 1 or item(12) <= 2,
    }
    names = [name for name, gone in lost.items() if gone]
    rule = (f"Stage {len(names)} = domains lost: {', '.join(names) or 'none'} (movement: walking or "
            "dressing <= 1; swallowing <= 1; communication: speech AND handwriting <= 1; breathing: "
            "dyspnoea <= 1 or respiratory insufficiency <= 2).")
    return Computed(len(names), rule)


def months_between(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def delta_fs(alsfrs: Alsfrs | None, onset: date | None, assessed_on: date) -> Computed:
    """Progression rate (Kimura et al. 2006): (48 - total) / months since symptom onset."""
    if alsfrs is None:
        return Computed(None, NO_ALSFRS)
    if onset is None:
        return Computed(None, "Not computable: the symptom onset date is not recorded "
                        "(the diagnosis date cannot stand in for it).")
    if onset >= assessed_on:
        return Computed(None, f"Not computable: symptom onset ({onset.isoformat()}) is on or after this "
                        f"assessment ({assessed_on.isoformat()}).")
    total = sum(alsfrs.items)
    months = months_between(onset, assessed_on)
    rate = round((MAX_TOTAL - total) / months, 2)
    pace = "slow" if rate < 0.5 else "intermediate" if rate < 1 else "fast"
    return Computed(rate, f"ΔFS = (48 - {total}) / {months:.1f} months since onset = {rate:.2f} "
                    f"points a month ({pace}: < 0.5 slow, 0.5-1 intermediate, >= 1 fast).")


def bmi(weight_kg: float | None, height_cm: float | None) -> Computed:
    if weight_kg is None:
        return Computed(None, "No weight was recorded at this assessment.")
    if height_cm is None:
        return Computed(None, "Not computable: the patient's height is not recorded.")
    value = round(weight_kg / (height_cm / 100) ** 2, 1)
    note = " (underweight: below 18.5)" if value < 18.5 else ""
    return Computed(value, f"BMI = {weight_kg:g} kg / ({height_cm / 100:g} m)² = {value:.1f}{note}.")


def weight_change_pct(weight_kg: float | None, usual_weight_kg: float | None) -> Computed:
    if weight_kg is None:
        return Computed(None, "No weight was recorded at this assessment.")
    if usual_weight_kg is None:
        return Computed(None, "Not computable: the patient's usual (pre-illness) weight is not recorded.")
    value = round((weight_kg - usual_weight_kg) / usual_weight_kg * 100, 1)
    note = " (a loss over 10%: discuss gastrostomy, EFNS 2012)" if value < -10 else ""
    return Computed(value, f"Change = ({weight_kg:g} - {usual_weight_kg:g}) / {usual_weight_kg:g} kg "
                    f"= {value:+.1f}%{note}.")
