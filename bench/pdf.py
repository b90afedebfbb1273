"""The caregiver PDF against bare ReportLab setting the same words, and how its cost grows with items.

The baseline takes the text blocks of CarePlan's own printout (read back with pymupdf) and sets
each as a plain Paragraph in the same bundled font, written to a file the same way: what is left
over is the cost of CarePlan's layout, markup and fonts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from importlib.resources import as_file
from pathlib import Path
from xml.sax.saxutils import escape

from bench.core import Figure, Goal, figure, timed
from bench.database import plan_content, touch_item

EXPORT_GOAL = Goal(max_value=150, max_ratio=1.5, text="at most 1.5x bare, under 150 ms")
SCALING_GOAL = Goal(max_ratio=1.5, text="linear: at most 1.5x the cost per item from 10 to 40")
SIZES = (10, 40, 160)
BARE_FONT = "BenchBareSans"


def printable(n_items: int):  # -> PrintablePlan
    """A revision-2 plan of n items, with a "What changed" section, built in memory."""
    from careplan.domain.diff import diff_contents
    from careplan.domain.patient import Caregiver, Patient, TeamMember
    from careplan.domain.plan import Revision
    from careplan.domain.team import Role
    from careplan.reporting.model import PrintablePlan

    before = plan_content(n_items)
    after = touch_item(touch_item(before, 1), 2)
    patient = Patient(mrn="BENCH-PDF", full_name="Benchmark Patient", date_of_birth=date(1958, 6, 14),
                      caregivers=[Caregiver("Morgan Example", "Spouse", "+44 7700 900123")],
                      care_team=[TeamMember("Dr Ada Demo", Role.NEUROLOGIST, "020 7946 0000"),
                                 TeamMember("Sam Sample", Role.SPECIALIST_NURSE, "020 7946 0001")], id=1)
    rev = Revision(2, datetime(2025, 6, 2, 10, tzinfo=UTC), "Bench Nurse", "Review", after)
    return PrintablePlan(patient=patient, revision=rev, changes=diff_contents(before, after),
                         generated_on=date(2025, 6, 2), clinic_name="Benchmark Clinic")


def _register_bare_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from careplan.paths import resource

    if BARE_FONT not in pdfmetrics.getRegisteredFontNames():
        with as_file(resource("fonts/DejaVuSans.ttf")) as font:
            pdfmetrics.registerFont(TTFont(BARE_FONT, str(font)))


def text_blocks(pdf: Path) -> list[str]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [" ".join(b[4].split()) for page in doc for b in page.get_text("blocks") if b[4].strip()]


def bare_pdf(blocks: list[str], out: Path) -> None:
    """Bare ReportLab: one plain Paragraph per block, same font and size, on A4."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = ParagraphStyle("bare", fontName=BARE_FONT, fontSize=13, leading=18.9)
    SimpleDocTemplate(str(out), pagesize=A4).build([Paragraph(escape(b), style) for b in blocks])


def careplan_pdf(plan, out: Path) -> None:  # plan: PrintablePlan
    from careplan.reporting.pdf import write_plan_pdf

    write_plan_pdf(plan, out)


def measure(folder: Path, runs: int) -> list[Figure]:
    folder.mkdir(parents=True, exist_ok=True)
    _register_bare_font()
    plans = {n: printable(n) for n in SIZES}
    # Warm: imports, font registration and subsetting tables, style objects.
    ours = folder / "careplan-40.pdf"
    careplan_pdf(plans[40], ours)
    blocks = text_blocks(ours)
    bare_out = folder / "bare-40.pdf"
    bare_pdf(blocks, bare_out)
    mine, bare = [], []
    for _ in range(max(runs * 3, 3)):  # each export is short: more samples steady the median
        bare.append(timed(lambda: bare_pdf(blocks, bare_out)) * 1000)
        mine.append(timed(lambda: careplan_pdf(plans[40], ours)) * 1000)
    export = figure("pdf_export", "PDF export, 40 items", "ms", EXPORT_GOAL, mine, bare, via="reporting",
                    details={"text_blocks": len(blocks)})

    by_size: dict[int, list[float]] = {n: [] for n in SIZES}
    for _ in range(max(runs * 2, 3)):
        for n in SIZES:
            by_size[n].append(timed(lambda n=n: careplan_pdf(plans[n], folder / f"careplan-{n}.pdf")) * 1000)
    med = {n: sorted(v)[len(v) // 2] for n, v in by_size.items()}
    low = (med[40] - med[10]) / (40 - 10)
    high = (med[160] - med[40]) / (160 - 40)
    slope = _slope([(n, t) for n, v in by_size.items() for t in v])
    scaling = figure("pdf_per_item", "PDF cost per item, 40 to 160 items", "ms", SCALING_GOAL, [high], [low],
                     via="reporting",
                     details={"median_ms": {str(n): round(t, 1) for n, t in med.items()},
                              "least_squares_ms_per_item": round(slope, 3), "runs_per_size": len(by_size[40])})
    scaling.note = (f"{med[10]:.0f} / {med[40]:.0f} / {med[160]:.0f} ms for 10 / 40 / 160 items; "
                    "the baseline is the cost per item from 10 to 40 items")
    return [export, scaling]


def _slope(points: list[tuple[int, float]]) -> float:
    """Least-squares milliseconds per item."""
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
