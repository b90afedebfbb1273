"""One assessment of the ALS course: ALSFRS-R, breathing tests, weight and interventions.

An assessment is dated and attributed, and never edited: a correction is a new assessment
that supersedes an earlier one. Any subset of the measurements may be entered at one visit;
what is computed from them lives in careplan.domain.staging.

ALSFRS-R item 5 (cutting food and handling utensils) has two forms: 5a for a patient without
a gastrostomy, 5b for one with. They are scored differently and mean different things for
King's staging, so the form is always stored beside the score and never merged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from careplan.domain.errors import Problems
from careplan.domain.limits import limit
from careplan.domain.text import field_problem

ITEM_COUNT = 12
MAX_SCORE = 4
MAX_TOTAL = ITEM_COUNT * MAX_SCORE
ITEM_NAMES = (
    "speech", "salivation", "swallowing", "handwriting", "cutting food and handling utensils",
    "dressing and hygiene", "turning in bed", "walking", "climbing stairs", "dyspnoea",
    "orthopnoea", "respiratory insufficiency",
)
KINGS_STAGES = ("1", "2", "3", "4A", "4B")


class Item5Form(StrEnum):
    WITHOUT_GASTROSTOMY = "5a"
    WITH_GASTROSTOMY = "5b"


class Provision(StrEnum):
    """Where an intervention (NIV, gastrostomy) stands. Offered counts as needed for King's."""

    IN_USE = "in-use"
    OFFERED = "offered"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"in-use": "In use", "offered": "Offered", "declined": "Declined"}[self.value]


class FvcPosition(StrEnum):
    SITTING = "sitting"
    LYING = "lying"


@dataclass(frozen=True)
class Alsfrs:
    """The 12 ALSFRS-R scores (index 0 is item 1) and which form item 5 was asked in."""

    items: tuple[int, ...]
    item5_form: Item5Form

    def item(self, number: int) -> int:
        return self.items[number - 1]

    def as_text(self) -> str:
        """The form the CLI takes and the database stores: "4,4,4,4,4a,4,4,3,4,4,4,4"."""
        parts = [str(v) for v in self.items]
        parts[4] += self.item5_form.value[-1]
        return ",".join(parts)


# Plausible ranges: wide enough for every real patient, narrow enough to catch a slipped key
# (FVC 300 is a typo for 30; 0 means the test was not done, which is entered as blank).
RANGES: dict[str, tuple[float, float, str]] = {
    "fvc_pct": (1, 200, "FVC (% predicted)"),
    "fvc_litres": (0.1, 10, "FVC in litres"),
    "snip_cmh2o": (1, 250, "SNIP (cmH2O)"),
    "weight_kg": (15, 350, "The weight (kg)"),
    "usual_weight_kg": (15, 350, "The usual weight (kg)"),
    "height_cm": (50, 250, "The height (cm)"),
}


@dataclass(frozen=True)
class Assessment:
    assessed_on: date
    author: str
    alsfrs: Alsfrs | None = None
    fvc_pct: float | None = None
    fvc_litres: float | None = None
    fvc_position: FvcPosition | None = None
    snip_cmh2o: float | None = None
    weight_kg: float | None = None
    niv: Provision | None = None
    gastrostomy: Provision | None = None
    kings_recorded: str | None = None  # a stage a clinician recorded by hand, kept beside the estimate
    reason: str = ""  # why this entry supersedes another
    supersedes: int | None = None
    id: int | None = None

    @property
    def measured(self) -> bool:
        return any(v is not None for v in (
            self.alsfrs, self.fvc_pct, self.fvc_litres, self.snip_cmh2o, self.weight_kg,
            self.niv, self.gastrostomy, self.kings_recorded))


# The form every writer stores (Alsfrs.as_text): one digit per item, item 5 with its form letter.
STORED_ALSFRS = re.compile(r"[0-4][,;][0-4][,;][0-4][,;][0-4][,;][0-4][aAbB](?:[,;][0-4]){7}")
_FORMS = {"a": Item5Form.WITHOUT_GASTROSTOMY, "A": Item5Form.WITHOUT_GASTROSTOMY,
          "b": Item5Form.WITH_GASTROSTOMY, "B": Item5Form.WITH_GASTROSTOMY}


def parse_alsfrs(text: str) -> Alsfrs:
    """Parse "4,4,4,4,4a,4,4,3,4,4,4,4"; raise ValidationError naming field "alsfrs"."""
    if STORED_ALSFRS.fullmatch(text):
        # The stored form, read by position: the worklist reads thousands. Any other spelling
        # (spaces, a typo) takes the general path, which names what is wrong.
        return Alsfrs(tuple(map(int, text[0:9:2] + text[11::2])), _FORMS[text[9]])
    problems = Problems()
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) != ITEM_COUNT:
        problems.add("alsfrs", f"ALSFRS-R needs {ITEM_COUNT} scores separated by commas; got {len(parts)}.")
        problems.raise_if_any()
    scores: list[int] = []
    form: Item5Form | None = None
    for number, part in enumerate(parts, start=1):
        digits, suffix = part, ""
        if number == 5 and part[-1:].lower() in ("a", "b"):
            digits, suffix = part[:-1], part[-1].lower()
        if not (len(digits) == 1 and digits in "01234"):
            problems.add("alsfrs", f"ALSFRS-R item {number} ({ITEM_NAMES[number - 1]}) is {part!r}: "
                         "each score is a whole number from 0 to 4"
                         + (" followed by a or b, e.g. 4a." if number == 5 else "."))
            continue
        scores.append(int(digits))
        if number == 5:
            if suffix:
                form = Item5Form(f"5{suffix}")
            else:
                problems.add("alsfrs", f"ALSFRS-R item 5 is {part!r}: say which form was asked, "
                             "5a (no gastrostomy) or 5b (with gastrostomy), e.g. 4a or 2b.")
    problems.raise_if_any()
    assert form is not None
    return Alsfrs(tuple(scores), form)


def validate_assessment(a: Assessment, *, today: date, date_of_birth: date | None) -> None:
    """Raise ValidationError naming every field of `a` that cannot be saved."""
    problems = Problems()
    if a.assessed_on > today:
        problems.add("date", f"The assessment date {a.assessed_on.isoformat()} is in the future.")
    if date_of_birth and a.assessed_on < date_of_birth:
        problems.add("date", f"The assessment date {a.assessed_on.isoformat()} is before the date of "
                     f"birth ({date_of_birth.isoformat()}).")
    if not a.author.strip():
        problems.add("author", "Say who made the assessment.")
    for name in ("author", "reason"):
        if msg := field_problem(f"assessment.{name}", getattr(a, name)):
            problems.add(name, f"{limit(f'assessment.{name}').label} {msg}.")
    if a.alsfrs is not None and not _well_formed(a.alsfrs):
        problems.add("alsfrs", f"ALSFRS-R needs {ITEM_COUNT} whole scores from 0 to 4.")
    for name in ("fvc_pct", "fvc_litres", "snip_cmh2o", "weight_kg"):
        check_measure(problems, name, getattr(a, name))
    if a.fvc_position is not None and a.fvc_pct is None and a.fvc_litres is None:
        problems.add("fvc_position", "A position was given without an FVC result.")
    if a.kings_recorded is not None and a.kings_recorded not in KINGS_STAGES:
        problems.add("kings_recorded", f"King's stage {a.kings_recorded!r} is not one of "
                     f"{', '.join(KINGS_STAGES)}.")
    if not a.measured:
        problems.add("assessment", "Nothing was entered: give at least one score or measurement.")
    problems.raise_if_any()


def _well_formed(alsfrs: Alsfrs) -> bool:
    """Scores built in code (the form, an import) get the same rule as parsed ones."""
    return len(alsfrs.items) == ITEM_COUNT and all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_SCORE for v in alsfrs.items)


def check_measure(problems: Problems, name: str, value: float | None) -> None:
    """Add a problem when a measured number is outside its plausible range (RANGES)."""
    if value is None:
        return
    low, high, label = RANGES[name]
    if isinstance(value, bool) or not math.isfinite(value) or not low <= value <= high:
        problems.add(name, f"{label} is {value:g}; expected {low:g} to {high:g}.")


def parse_number(name: str, text: str) -> float | None:
    """A measurement typed as text: blank is None; anything not a number names the field."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems = Problems()
        problems.add(name, f"{RANGES[name][2]} is {text!r}: enter a number.")
        problems.raise_if_any()
    return value
