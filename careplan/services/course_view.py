"""The course as a table and as charts, for every face: the screen, the clinician summary PDF."""

from __future__ import annotations

from careplan.domain.course import Provision
from careplan.domain.course_view import ChartSpec, Series
from careplan.services.course import Course, CourseEntry

# What a clinician looks for first comes first: the stages and the rate before the detail.
COLUMNS = ("Date", "By", "ALSFRS-R", "King's", "MiToS", "\u0394FS", "Bulbar", "Fine", "Gross", "Resp.", "FVC %",
           "SNIP", "Weight", "BMI", "Wt \u0394%", "NIV", "Gastrostomy")
RULE_COLUMNS = (2, 3, 4, 5, 13, 14)  # cells computed by a rule, shown on hover


def _num(value: float | None, fmt: str = "g") -> str:
    return "" if value is None else format(value, fmt)


def row_cells(e: CourseEntry) -> tuple[str, ...]:
    a, s = e.assessment, e.scores
    kings = e.kings.stage or "n/e"
    if e.kings_recorded:
        kings = f"{e.kings_recorded.stage} (clin.) / {kings}"
    return (a.assessed_on.isoformat(), a.author, f"{s.total}" if s else "",
            kings if a.alsfrs or e.kings_recorded else "", _num(e.mitos.value), _num(e.delta_fs.value, ".2f"),
            *(str(getattr(s, d)) if s else "" for d in ("bulbar", "fine_motor", "gross_motor", "respiratory")),
            _num(a.fvc_pct), _num(a.snip_cmh2o), _num(a.weight_kg), _num(e.bmi.value),
            _num(e.weight_change_pct.value, "+g"), a.niv.label if a.niv else "",
            a.gastrostomy.label if a.gastrostomy else "")


def row_tip(e: CourseEntry, column: int) -> str:
    """How a computed cell was derived: the rule, as the domain states it."""
    rules = dict(zip(RULE_COLUMNS, (
        e.scores.rule if e.scores else "", e.kings.reason + (f" Also {e.kings_recorded.reason}" if e.kings_recorded
                                                             else ""),
        e.mitos.rule, e.delta_fs.rule, e.bmi.rule, e.weight_change_pct.rule), strict=True))
    return rules.get(column, "")


def nice_range(values: list[float]) -> tuple[float, float]:
    """An axis of four equal steps of 5, 10 or 20 kg around the values, so the labels stay round."""
    low = (min(values) - 2) // 5 * 5
    step = next(s for s in (5, 10, 20, 50) if low + 4 * s >= max(values) + 2)
    return low, low + 4 * step


def chart_specs(course: Course) -> list[ChartSpec]:
    """What the four charts show, from the course alone (also used for the clinician summary)."""
    entries = course.entries
    scored = [e for e in entries if e.scores]
    total = ChartSpec("ALSFRS-R total (0-48), King's stage marked", 0, 48,
                      [Series("Total", tuple((e.assessment.assessed_on, float(e.scores.total))
                                             for e in scored if e.scores))])
    last_stage: str | None = None
    for e in scored:
        if e.kings.stage != last_stage and e.kings.stage:
            total.marks.append((e.assessment.assessed_on, f"K{e.kings.stage}"))
        last_stage = e.kings.stage
    domains = ChartSpec("ALSFRS-R domains (0-12 each)", 0, 12, [
        Series(label, tuple((e.assessment.assessed_on, float(getattr(e.scores, key))) for e in scored if e.scores),
               k)
        for k, (key, label) in enumerate((("bulbar", "Bulbar"), ("fine_motor", "Fine"),
                                          ("gross_motor", "Gross"), ("respiratory", "Resp.")))])
    fvc = ChartSpec("FVC, % predicted", 0, 120, [Series("FVC", tuple(
        (e.assessment.assessed_on, e.assessment.fvc_pct) for e in entries if e.assessment.fvc_pct is not None))],
        guides=[(50, "50%: discuss NIV (NICE NG42)")])
    for e in entries:
        if e.assessment.niv in (Provision.OFFERED, Provision.IN_USE):
            fvc.marks.append((e.assessment.assessed_on, f"NIV {e.assessment.niv.value}"))
            break
    weights = [w for w in (e.assessment.weight_kg for e in entries) if w is not None]
    usual = course.patient.usual_weight_kg
    values = weights + ([usual] if usual else [])
    low, high = nice_range(values or [60.0])
    weight = ChartSpec("Weight, kg", low, high, [Series("Weight", tuple((e.assessment.assessed_on, e.assessment.weight_kg)
                                               for e in entries if e.assessment.weight_kg is not None), 2)])
    if usual:
        weight.guides = [(usual, f"usual {usual:g} kg"), (usual * 0.9, "10% loss")]
    return [total, domains, fvc, weight]
