"""The named facts a guideline rule can test: each read from the course and the plan, never typed.

A rule's condition names facts from FACTS (see careplan.domain.guidelines), so a rules file is
data, never code. Each fact found carries what it is, the value shown to the coordinator, the
date it was measured, and a fingerprint: what a dismissed prompt remembers. Fingerprints hold
the measured values, not the visit dates, so re-measuring the same FVC keeps a dismissal and a
new value brings the prompt back; facts that grow with time ("months since diagnosis") are
fingerprinted by the date they count from, so they do not change every day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

from careplan.domain.course import STORED_ALSFRS, Assessment, Item5Form, parse_alsfrs
from careplan.domain.staging import delta_fs, kings_from_alsfrs, months_between, respiratory_failure


@dataclass(frozen=True)
class FactSpec:
    name: str
    label: str
    kind: str  # "number", "stage" (a King's stage) or "flag" (true/false)
    param: str | None = None  # "item" (ALSFRS-R item 1-12), "codes" (catalogue codes), "measure"
    help: str = ""


MEASURES = {"fvc": "FVC", "snip": "SNIP", "weight": "weight", "alsfrs": "ALSFRS-R"}

FACTS: dict[str, FactSpec] = {f.name: f for f in (
    FactSpec("fvc_percent", "FVC % predicted", "number", help="the latest FVC, % of predicted"),
    FactSpec("snip_cmh2o", "SNIP (cmH2O)", "number", help="the latest SNIP"),
    FactSpec("weight_loss_percent", "Weight loss from usual weight (%)", "number",
             help="(usual - latest weight) / usual weight x 100; negative for a gain"),
    FactSpec("bmi", "BMI", "number", help="latest weight / height squared"),
    FactSpec("alsfrs_total", "ALSFRS-R total", "number", help="the latest ALSFRS-R total, 0-48"),
    FactSpec("alsfrs_item", "ALSFRS-R item", "number", "item", "one item (item: 1-12) of the latest ALSFRS-R"),
    FactSpec("delta_fs", "Progression rate (points a month)", "number", help="ΔFS at the latest ALSFRS-R"),
    FactSpec("kings_stage", "King's stage", "stage",
             help="a stage recorded by the clinician at the latest visit, else the one estimated from ALSFRS-R"),
    FactSpec("nutritional_failure", "King's 4A (gastrostomy needed)", "flag",
             help="item 5 answered as 5b, a recorded stage 4A, or gastrostomy ever offered, in use or declined"),
    FactSpec("respiratory_failure", "King's 4B (NIV needed)", "flag",
             help="item 10 is 0 or item 12 below 4, a recorded stage 4B, or NIV ever offered, in use or declined"),
    FactSpec("months_since_diagnosis", "Months since diagnosis", "number"),
    FactSpec("months_since_item", "Months since the plan item", "number", "codes",
             help="since the latest start date of a plan item with one of the codes, in any status"),
    FactSpec("months_since_measured", "Months since measured", "number", "measure",
             help=f"since the latest assessment with a measure ({', '.join(MEASURES)})"),
)}


class Fact(NamedTuple):  # a tuple: cheap to build for every patient the worklist reads
    """A fact's value for one patient: `shown` in words, `on` the day it was measured."""

    value: float | str | bool
    shown: str
    on: date | None
    fingerprint: str


def fact_key(name: str, param: object) -> str:
    return f"{name}|{param!r}"


@dataclass(frozen=True)
class PlanEntry:
    """What the rules see of a plan item: its catalogue code, status and date."""

    code: str
    status: str
    dated: date | None


@dataclass(frozen=True)
class PatientFacts:
    """Everything a rule may test, for one patient on one day. Build it with the service's loader."""

    on: date
    # Current (not superseded) ones, oldest first: all of them, or only those read_by_rules keeps.
    assessments: tuple[Assessment, ...] = ()
    diagnosis_date: date | None = None
    onset_date: date | None = None
    usual_weight_kg: float | None = None
    height_cm: float | None = None
    plan: tuple[PlanEntry, ...] = ()
    # Several rules read the same facts (FVC, King's 4B...): each is read once per patient.
    # Not an init field: a copy made with dataclasses.replace starts with an empty cache of its own.
    _seen: dict[str, Fact | None] = field(default_factory=dict, init=False, compare=False, repr=False)

    def plan_codes(self) -> dict[str, str]:
        """Catalogue code -> status of each item in the plan."""
        return self._plan_codes

    @cached_property
    def _plan_codes(self) -> dict[str, str]:
        return {e.code: e.status for e in self.plan}

    def lookup(self, name: str, param: object = None) -> Fact | None:
        """The fact `name` (with its parameter), or None when the record does not hold it."""
        return self.read(fact_key(name, param), name, param)

    def read(self, key: str, name: str, param: object) -> Fact | None:
        """lookup() with its key made beforehand (fact_key), as a compiled rule does."""
        try:
            return self._seen[key]
        except KeyError:
            found = self._seen[key] = _READERS[name](self, param)
            return found

    def _latest(self, has: Callable[[Assessment], bool]) -> Assessment | None:
        # Visits up to `on` only: asking "what did the prompts say on a past day" ignores later visits.
        return next((a for a in reversed(self.assessments) if a.assessed_on <= self.on and has(a)), None)


def _num(x: float) -> str:
    return f"{x:g}"


def _measured(attr: str, label: str) -> Callable[[PatientFacts, object], Fact | None]:
    def read(f: PatientFacts, _param: object) -> Fact | None:
        a = f._latest(lambda a: getattr(a, attr) is not None)
        if a is None:
            return None
        value = float(getattr(a, attr))
        return Fact(value, _num(value), a.assessed_on, f"{label}={_num(value)}")
    return read


def _weight_loss(f: PatientFacts, _param: object) -> Fact | None:
    a = f._latest(lambda a: a.weight_kg is not None)
    usual = f.usual_weight_kg
    if a is None or a.weight_kg is None or not usual:
        return None
    loss = (usual - a.weight_kg) / usual * 100  # compared unrounded: 4.99% is not 5%
    return Fact(loss, f"{loss:.1f}% ({_num(a.weight_kg)} kg, usual {_num(usual)} kg)", a.assessed_on,
                f"weight={_num(a.weight_kg)};usual={_num(usual)}")


def _bmi(f: PatientFacts, _param: object) -> Fact | None:
    a = f._latest(lambda a: a.weight_kg is not None)
    if a is None or a.weight_kg is None or not f.height_cm:
        return None
    value = round(a.weight_kg / (f.height_cm / 100) ** 2, 1)
    return Fact(value, _num(value), a.assessed_on, f"weight={_num(a.weight_kg)};height={_num(f.height_cm)}")


def _alsfrs_total(f: PatientFacts, _param: object) -> Fact | None:
    a = f._latest(lambda a: a.alsfrs is not None)
    if a is None or a.alsfrs is None:
        return None
    total = sum(a.alsfrs.items)
    return Fact(float(total), f"{total}/48", a.assessed_on, f"alsfrs={a.alsfrs.as_text()}")


def _alsfrs_item(f: PatientFacts, param: object) -> Fact | None:
    a = f._latest(lambda a: a.alsfrs is not None)
    if a is None or a.alsfrs is None or not isinstance(param, int):
        return None
    score = a.alsfrs.item(param)
    return Fact(float(score), f"{score}/4", a.assessed_on, f"item{param}={score}")


def _delta_fs(f: PatientFacts, _param: object) -> Fact | None:
    a = f._latest(lambda a: a.alsfrs is not None)
    if a is None:
        return None
    rate = delta_fs(a.alsfrs, f.onset_date, a.assessed_on).value
    if rate is None:
        return None
    return Fact(rate, f"{rate:.2f} a month", a.assessed_on, f"delta_fs={rate:.2f}")


def _kings_stage(f: PatientFacts, _param: object) -> Fact | None:
    a = f._latest(lambda a: a.alsfrs is not None or a.kings_recorded is not None)
    if a is None:
        return None
    if a.kings_recorded is not None:
        return Fact(a.kings_recorded, f"{a.kings_recorded} (recorded)", a.assessed_on, f"kings={a.kings_recorded}")
    stage = kings_from_alsfrs(a.alsfrs).stage
    if stage is None:
        return None
    return Fact(stage, f"{stage} (estimated from ALSFRS-R)", a.assessed_on, f"kings={stage}")


def _failure(kind: str) -> Callable[[PatientFacts, object], Fact | None]:
    """King's 4A/4B: once needed, always needed (the disease does not go back); offered counts."""
    def holds(a: Assessment) -> str | None:
        if kind == "4A":
            if a.gastrostomy is not None:
                return f"gastrostomy {a.gastrostomy.label.lower()}"
            if a.alsfrs is not None and a.alsfrs.item5_form is Item5Form.WITH_GASTROSTOMY:
                return "ALSFRS-R item 5 answered as 5b"
        else:
            if a.niv is not None:
                return f"NIV {a.niv.label.lower()}"
            if a.alsfrs is not None and respiratory_failure(a.alsfrs.item(10), a.alsfrs.item(12)):
                return f"ALSFRS-R item 10 = {a.alsfrs.item(10)}, item 12 = {a.alsfrs.item(12)}"
        return "recorded stage " + kind if a.kings_recorded == kind else None

    def read(f: PatientFacts, _param: object) -> Fact | None:
        first = next(((a, why) for a in f.assessments if a.assessed_on <= f.on and (why := holds(a))), None)
        if first is None:
            return None
        a, why = first
        return Fact(True, f"yes ({why})", a.assessed_on, f"{kind}=yes")
    return read


def _months(since: date, on: date) -> float:
    return months_between(since, on)  # compared unrounded; shown to 0.1 month


def _since_diagnosis(f: PatientFacts, _param: object) -> Fact | None:
    if f.diagnosis_date is None:
        return None
    m = _months(f.diagnosis_date, f.on)
    return Fact(m, f"{m:.1f} (diagnosed {f.diagnosis_date.isoformat()})", f.diagnosis_date,
                f"diagnosed={f.diagnosis_date.isoformat()}")


def _since_item(f: PatientFacts, param: object) -> Fact | None:
    codes = set(param) if isinstance(param, list | tuple) else set()
    dated = [e for e in f.plan if e.code in codes and e.dated is not None]
    if not dated:
        return None
    last = max(dated, key=lambda e: e.dated or date.min)
    assert last.dated is not None
    m = _months(last.dated, f.on)
    return Fact(m, f"{m:.1f} ({last.code} dated {last.dated.isoformat()})", last.dated,
                f"{last.code}@{last.dated.isoformat()}")


_MEASURE_ATTR = {"fvc": "fvc_pct", "snip": "snip_cmh2o", "weight": "weight_kg", "alsfrs": "alsfrs"}


def _since_measured(f: PatientFacts, param: object) -> Fact | None:
    attr = _MEASURE_ATTR.get(str(param))
    if attr is None:
        return None
    a = f._latest(lambda a: getattr(a, attr) is not None)
    if a is None:
        return None
    m = _months(a.assessed_on, f.on)
    return Fact(m, f"{m:.1f} (last {MEASURES[str(param)]} {a.assessed_on.isoformat()})", a.assessed_on,
                f"{param}@{a.assessed_on.isoformat()}")


_READERS: dict[str, Callable[[PatientFacts, object], Fact | None]] = {
    "fvc_percent": _measured("fvc_pct", "fvc"),
    "snip_cmh2o": _measured("snip_cmh2o", "snip"),
    "weight_loss_percent": _weight_loss,
    "bmi": _bmi,
    "alsfrs_total": _alsfrs_total,
    "alsfrs_item": _alsfrs_item,
    "delta_fs": _delta_fs,
    "kings_stage": _kings_stage,
    "nutritional_failure": _failure("4A"),
    "respiratory_failure": _failure("4B"),
    "months_since_diagnosis": _since_diagnosis,
    "months_since_item": _since_item,
    "months_since_measured": _since_measured,
}
assert _READERS.keys() == FACTS.keys()


# --- which assessments the readers above can pick -------------------------------------------------

class StoredAssessment(NamedTuple):
    """An assessment row as stored, before anything is parsed: what read_by_rules looks at."""

    id: int
    assessed_on: date
    alsfrs: str | None
    fvc_pct: float | None
    snip_cmh2o: float | None
    weight_kg: float | None
    niv: str | None
    gastrostomy: str | None
    kings_recorded: str | None


def failure_signs(alsfrs: str) -> tuple[bool, bool]:
    """(King's 4A, King's 4B) as the stored ALSFRS-R text shows them, the way _failure reads them."""
    if STORED_ALSFRS.fullmatch(alsfrs):  # read by position: this runs for every visit of every patient
        return alsfrs[9] in "bB", respiratory_failure(int(alsfrs[19]), int(alsfrs[23]))
    parsed = parse_alsfrs(alsfrs)
    return (parsed.item5_form is Item5Form.WITH_GASTROSTOMY,
            respiratory_failure(parsed.item(10), parsed.item(12)))


def read_by_rules(rows: Iterable[StoredAssessment], on: date) -> list[StoredAssessment]:
    """The few of a patient's current assessments (oldest first) that the readers above can pick on `on`.

    Every reader takes the latest visit up to `on` with some measure, or the first that showed
    King's 4A or 4B; facts built from only these rows are the same as from all of them, and the
    worklist need not parse and build every visit of every patient. A new reader must add its
    pick here (tests/test_prompts_fast.py compares the two on generated courses).
    """
    latest: dict[str, StoredAssessment] = {}
    first_4a = first_4b = None
    for r in rows:
        if r.assessed_on > on:
            continue
        if r.fvc_pct is not None:
            latest["fvc"] = r
        if r.snip_cmh2o is not None:
            latest["snip"] = r
        if r.weight_kg is not None:
            latest["weight"] = r
        # Blank text is no score and no provision, as the loader reads it (services/prompt_facts.py).
        if r.alsfrs or r.kings_recorded is not None:
            latest["kings"] = r  # _kings_stage
            if r.alsfrs:
                latest["alsfrs"] = r
        if first_4a is None or first_4b is None:
            signs = failure_signs(r.alsfrs) if r.alsfrs else (False, False)
            if first_4a is None and (r.gastrostomy or signs[0] or r.kings_recorded == "4A"):
                first_4a = r
            if first_4b is None and (r.niv or signs[1] or r.kings_recorded == "4B"):
                first_4b = r
    picked = {r.id: r for r in (*latest.values(), first_4a, first_4b) if r is not None}
    return sorted(picked.values(), key=lambda r: (r.assessed_on, r.id))
