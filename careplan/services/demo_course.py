"""Plausible, clearly fictional ALS courses for the demo patients.

Each patient declines at their own rate: ΔFS drawn so that most are intermediate (0.5-1 point
a month) with slow and fast ones either side, as in clinic cohorts. The points lost are spent
in one fixed order per patient, starting in the onset region and spreading, so scores never
improve between visits. Swallowing loss brings the gastrostomy (offered, then in use: item 5
is then asked as 5b); FVC falls with the respiratory items and NIV is offered below 50%.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from careplan.domain.course import ITEM_COUNT, Alsfrs, Item5Form

DAYS_PER_MONTH = 365.25 / 12
ASSESSORS = ("Nurse Demo", "Dr. Ada Demo", "Physio Sample", "Dietitian Example")
# Items by region, 0-based: bulbar 1-3, arms 4-6, legs 7-9, breathing 10-12.
REGIONS = {"bulbar": (0, 1, 2), "limb": (3, 4, 5, 6, 7, 8), "respiratory": (9, 10, 11)}


def course_facts(rng: random.Random, diagnosed: date) -> dict[str, Any]:
    """Patient-level facts: symptom onset (about a year before diagnosis), usual weight, height."""
    height = round(rng.gauss(170, 9))
    return {
        "onset_date": diagnosed - timedelta(days=rng.randint(120, 600)),
        "height_cm": float(height),
        "usual_weight_kg": round(max(50.0, rng.gauss(25, 3.5) * (height / 100) ** 2), 1),
    }


def decline_order(rng: random.Random, site: str) -> list[int]:
    """The order in which the 48 points are lost: the onset region weighs most at first."""
    weights = [1.0] * ITEM_COUNT
    for i in REGIONS["respiratory"]:
        weights[i] = 0.25
    for i in REGIONS.get(site, REGIONS["limb"]):
        weights[i] = 6.0
    weights[11] = 0.08  # respiratory insufficiency (ventilation) comes late, whatever the onset
    left = [4] * ITEM_COUNT
    order = []
    for _ in range(ITEM_COUNT * 4):
        k = rng.choices(range(ITEM_COUNT), [w if left[i] else 0 for i, w in enumerate(weights)])[0]
        left[k] -= 1
        order.append(k)
        weights = [w * 1.04 for w in weights]  # later losses spread to every region
    return order


def demo_assessments(rng: random.Random, facts: dict[str, Any], site: str, visits: list[date]) -> list[dict[str, Any]]:
    """One assessment per visit: rows for AssessmentRow without patient_id."""
    rate = min(2.5, max(0.15, rng.lognormvariate(math.log(0.7), 0.5)))
    order = decline_order(rng, site)
    fvc_start = rng.gauss(96, 9)
    onset: date = facts["onset_date"]
    rows = []
    gastrostomy: str | None = None
    niv: str | None = None
    lost = 0
    for day in visits:
        months = (day - onset).days / DAYS_PER_MONTH
        # Visit-to-visit noise, but never a recovery: ALSFRS-R scores do not climb back in ALS.
        lost = max(lost, min(len(order) - 4, round(rate * months * rng.uniform(0.9, 1.1))))
        items = [4] * ITEM_COUNT
        for k in order[:lost]:
            items[k] -= 1
        if items[2] <= 1 and gastrostomy in (None, "offered"):
            gastrostomy = "in-use" if rng.random() < 0.8 else "declined"
        elif items[2] <= 2 and gastrostomy is None:
            gastrostomy = "offered"
        form = Item5Form.WITH_GASTROSTOMY if gastrostomy == "in-use" else Item5Form.WITHOUT_GASTROSTOMY
        breathing_lost = 12 - sum(items[9:])
        fvc = round(max(15.0, min(130.0, fvc_start - breathing_lost * 7 - months * rate * 0.8 + rng.gauss(0, 3))))
        if fvc < 50 and niv is None:
            niv = "offered"
        elif niv == "offered":
            niv = "in-use" if rng.random() < 0.7 else "declined"
        bulbar_lost = 12 - sum(items[:3])
        # Bulbar loss costs weight until a gastrostomy is in use; then it mostly holds.
        fed = 0.5 if gastrostomy == "in-use" else 1.0
        weight = facts["usual_weight_kg"] * (1 - fed * (0.007 * bulbar_lost + 0.001 * months)) + rng.gauss(0, 0.8)
        rows.append({
            "assessed_on": day, "author": rng.choice(ASSESSORS), "reason": "", "supersedes": None,
            "recorded_at": datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC),
            "alsfrs": Alsfrs(tuple(items), form).as_text(), "fvc_pct": float(fvc),
            "fvc_litres": None, "fvc_position": "sitting",
            "snip_cmh2o": float(max(5, round(fvc * 0.75 + rng.gauss(0, 5)))) if rng.random() < 0.5 else None,
            "weight_kg": round(max(30.0, weight), 1), "niv": niv, "gastrostomy": gastrostomy, "kings_recorded": None,
        })
    return rows
