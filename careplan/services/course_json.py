"""`careplan course MRN --json`: the course as a stable JSON contract (README, "Course JSON").

Keys may be added, never renamed or removed. Every computed value comes with its rule under
"rules" so a reader can check it; a value that cannot be computed is null and its rule says why.
"""

from __future__ import annotations

from typing import Any

from careplan.domain.staging import KingsStage
from careplan.services.course import Course, CourseEntry


def kings_json(k: KingsStage) -> dict[str, Any]:
    return {"stage": k.stage, "nutritional_failure": k.nutritional_failure,
            "respiratory_failure": k.respiratory_failure, "source": k.source, "reason": k.reason,
            "regions": list(k.regions)}


def entry_json(e: CourseEntry) -> dict[str, Any]:
    a = e.assessment
    alsfrs = None
    if a.alsfrs is not None and e.scores is not None:
        alsfrs = {"items": list(a.alsfrs.items), "item_5": a.alsfrs.item5_form.value, "total": e.scores.total,
                  "bulbar": e.scores.bulbar, "fine_motor": e.scores.fine_motor,
                  "gross_motor": e.scores.gross_motor, "respiratory": e.scores.respiratory}
    mitos = e.mitos.value
    return {
        "id": a.id, "supersedes": a.supersedes, "date": a.assessed_on.isoformat(), "author": a.author,
        "alsfrs": alsfrs, "fvc_pct": a.fvc_pct, "fvc_litres": a.fvc_litres,
        "fvc_position": a.fvc_position.value if a.fvc_position else None, "snip_cmh2o": a.snip_cmh2o,
        "weight_kg": a.weight_kg, "bmi": e.bmi.value, "weight_change_pct": e.weight_change_pct.value,
        "niv": a.niv.value if a.niv else None, "gastrostomy": a.gastrostomy.value if a.gastrostomy else None,
        "kings": kings_json(e.kings),
        "kings_recorded": kings_json(e.kings_recorded) if e.kings_recorded else None,
        "mitos": int(mitos) if mitos is not None else None, "delta_fs": e.delta_fs.value,
        "rules": {"alsfrs": e.scores.rule if e.scores else None, "mitos": e.mitos.rule,
                  "delta_fs": e.delta_fs.rule, "bmi": e.bmi.rule, "weight_change_pct": e.weight_change_pct.rule},
    }


def course_json(course: Course) -> dict[str, Any]:
    p = course.patient
    return {"mrn": p.mrn, "onset_date": p.onset_date.isoformat() if p.onset_date else None,
            "usual_weight_kg": p.usual_weight_kg, "height_cm": p.height_cm,
            "assessments": [entry_json(e) for e in course.entries]}
