"""The clinician summary: the ALS course (table and charts), the current plan and what changed.

For the MDT meeting or a referral letter, so it is dense and clinical, unlike the caregiver
printout. Built from plain data (SummaryData) that services assemble; every user string is
escaped before it becomes Paragraph markup. Charts are ReportLab graphics (LinePlot) with dates
as day numbers, so the PDF needs nothing beyond ReportLab.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from careplan.domain.course_view import ChartSpec
from careplan.domain.diff import PlanDiff
from careplan.domain.patient import Patient
from careplan.domain.plan import Revision
from careplan.domain.signature import Signature
from careplan.reporting.fonts import BOLD, REGULAR, register_bundled_fonts
from careplan.reporting.model import PdfExportError

CHART_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


@dataclass(frozen=True)
class OpenPrompt:
    """A guideline prompt waiting for a decision, as the summary prints it (plain text; escaped here)."""

    title: str
    because: str
    source: str


@dataclass(frozen=True)
class PromptDecision:
    """One accepted or dismissed prompt from the append-only record, newest first."""

    when: str
    title: str
    decision: str
    actor: str
    reason: str


@dataclass(frozen=True)
class SummaryData:
    patient: Patient
    headline: str
    table_header: tuple[str, ...]
    table_rows: list[tuple[str, ...]]
    rules: list[str]  # how the latest assessment's values were derived
    charts: list[ChartSpec]
    revision: Revision | None
    changes: PlanDiff | None
    generated_on: date
    open_prompts: tuple[OpenPrompt, ...] = ()
    prompt_decisions: tuple[PromptDecision, ...] = ()
    signatures: tuple[Signature, ...] = ()  # the current revision's, oldest first


def _styles() -> dict[str, ParagraphStyle]:
    register_bundled_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=11.5)
    return {"body": body, "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9),
            "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=15, leading=19, spaceAfter=4),
            "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=8,
                                 spaceAfter=3)}


def chart_drawing(chart: ChartSpec, width: float, height: float) -> Drawing:
    d = Drawing(width, height)
    d.add(String(0, height - 10, chart.title, fontName=BOLD, fontSize=8.5))
    days = [day for s in chart.series for day, _ in s.points]
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 28, 16, width - 36, height - 34
    drawn = [s for s in chart.series if s.points]
    data = [[(day.toordinal(), value) for day, value in s.points] for s in drawn]
    if not data:
        d.add(String(width / 2, height / 2, "Nothing recorded", fontName=REGULAR, fontSize=8, textAnchor="middle"))
        return d
    plot.data = data
    first, last = min(days).toordinal(), max(days).toordinal()
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = first - 5, max(last, first + 10) + 5
    plot.xValueAxis.valueSteps = [first, last] if last > first else [first]
    plot.xValueAxis.labelTextFormat = lambda v: date.fromordinal(int(v)).isoformat()
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = chart.low, chart.high
    plot.yValueAxis.valueStep = (chart.high - chart.low) / 4
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = REGULAR, 6.5
    for k, s in enumerate(drawn):
        plot.lines[k].strokeColor = colors.HexColor(CHART_COLOURS[s.colour % len(CHART_COLOURS)])
        plot.lines[k].strokeWidth = 1.2
    d.add(plot)
    for value, label in chart.guides:
        if chart.low <= value <= chart.high:
            y = plot.y + plot.height * (value - chart.low) / (chart.high - chart.low)
            d.add(Line(plot.x, y, plot.x + plot.width, y, strokeColor=colors.HexColor("#a4000f"),
                       strokeDashArray=[2, 2], strokeWidth=0.6))
            d.add(String(plot.x + 3, y + 2, label, fontName=REGULAR, fontSize=6, fillColor=colors.HexColor("#a4000f")))
    span = plot.xValueAxis.valueMax - plot.xValueAxis.valueMin
    for day, label in chart.marks:
        x = plot.x + plot.width * (day.toordinal() - plot.xValueAxis.valueMin) / span
        d.add(Line(x, plot.y, x, plot.y + plot.height, strokeColor=colors.grey, strokeDashArray=[1, 2],
                   strokeWidth=0.5))
        d.add(String(x + 2, plot.y + plot.height - 8, label, fontName=REGULAR, fontSize=6.5))
    if len(drawn) > 1:
        x = width * 0.45
        for s in drawn:
            d.add(Line(x, height - 7, x + 10, height - 7, strokeWidth=2,
                       strokeColor=colors.HexColor(CHART_COLOURS[s.colour % len(CHART_COLOURS)])))
            d.add(String(x + 12, height - 9, s.name, fontName=REGULAR, fontSize=6.5))
            x += 16 + 3.6 * len(s.name)
    return d


def _course(data: SummaryData, st: dict[str, ParagraphStyle], width: float) -> list[object]:
    out: list[object] = [Paragraph("The ALS course", st["h2"]), Paragraph(escape(data.headline), st["body"])]
    if data.table_rows:
        cells = [[Paragraph(escape(h), st["small"]) for h in data.table_header]]
        cells += [[Paragraph(escape(c), st["small"]) for c in row] for row in data.table_rows]
        table = Table(cells, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
        out += [Spacer(1, 3), table]
    if data.rules:
        out += [Spacer(1, 3), Paragraph("How the latest values were derived:", st["small"])]
        out += [Paragraph("\u2022 " + escape(r), st["small"]) for r in data.rules]
    if data.charts:
        w = (width - 6) / 2
        drawings = [chart_drawing(c, w, 52 * mm) for c in data.charts]
        rows = [drawings[k:k + 2] + [""] * (2 - len(drawings[k:k + 2])) for k in range(0, len(drawings), 2)]
        out += [Spacer(1, 4), KeepTogether(Table(rows, colWidths=[w + 3, w + 3], hAlign="LEFT"))]
    return out


def _plan(data: SummaryData, st: dict[str, ParagraphStyle]) -> list[object]:
    rev = data.revision
    if rev is None:
        return [Paragraph("Current plan", st["h2"]), Paragraph("No plan has been saved yet.", st["body"])]
    out: list[object] = [Paragraph(escape(f"Current plan: revision {rev.number}, {rev.created_at.date().isoformat()}, "
                                          f"by {rev.author}"), st["h2"])]
    if rev.reason:
        out.append(Paragraph(escape(f"Reason: {rev.reason}"), st["body"]))
    # 21 CFR Part 11 §11.50: printed name, date and time, and meaning of each signature.
    signed = [s.shown() for s in data.signatures] or ["none (saved before CarePlan signed revisions)"]
    out.append(Paragraph(escape("Signatures: " + "; ".join(signed)), st["body"]))
    rows = [[Paragraph(escape(t), st["small"]) for t in ("Discipline", "Item", "How often", "Who", "Status")]]
    for item in rev.content.items:
        rows.append([Paragraph(escape(t), st["small"]) for t in (item.discipline.label, item.title, item.frequency,
                                                                  item.responsible, item.status.label)])
    table = Table(rows, repeatRows=1, hAlign="LEFT", colWidths=[38 * mm, 80 * mm, 45 * mm, 45 * mm, 25 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5"))]))
    out.append(table)
    out.append(Paragraph("What changed since the previous revision", st["h2"]))
    out += [Paragraph(escape(line), st["body"]) for line in _change_lines(data.changes)]
    return out


def _grid(rows: list[list[str]], st: dict[str, ParagraphStyle], widths: list[float]) -> Table:
    table = Table([[Paragraph(escape(t), st["small"]) for t in row] for row in rows], repeatRows=1, hAlign="LEFT",
                  colWidths=widths)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5"))]))
    return table


def _prompts(data: SummaryData, st: dict[str, ParagraphStyle]) -> list[object]:
    """Open prompts, then every decision taken on one (who, when, why): the record, not only the latest."""
    out: list[object] = [Paragraph("Guideline prompts", st["h2"])]
    if data.open_prompts:
        rows = [["Open prompt", "Triggered by", "Source"]] + [[p.title, p.because, p.source] for p in data.open_prompts]
        out.append(_grid(rows, st, [80 * mm, 110 * mm, 75 * mm]))
    else:
        out.append(Paragraph("No guideline prompt is waiting for a decision.", st["body"]))
    if data.prompt_decisions:
        rows = [["Decided", "Prompt", "Decision", "By", "Reason"]] + [
            [d.when, d.title, d.decision, d.actor, d.reason or "-"] for d in data.prompt_decisions]
        out += [Spacer(1, 4), _grid(rows, st, [30 * mm, 70 * mm, 20 * mm, 40 * mm, 105 * mm])]
    return out


def _change_lines(diff: PlanDiff | None) -> list[str]:
    if diff is None:
        return ["This is the first revision."]
    lines = [f"Added: {i.title}" for i in diff.added] + [f"Removed: {i.title}" for i in diff.removed]
    for c in diff.changed:
        lines.append(f"Changed: {c.after.title} (" + "; ".join(f"{f.label} {f.before or '-'} \u2192 {f.after or '-'}"
                                                                for f in c.changes) + ")")
    lines += [f"Plan: {f.label} {f.before or '-'} \u2192 {f.after or '-'}" for f in diff.plan_changes]
    lines += [f"Goal added: {g}" for g in diff.goals_added] + [f"Goal removed: {g}" for g in diff.goals_removed]
    return lines or ["Nothing changed in the items."]


def write_summary_pdf(data: SummaryData, out: Path) -> int:
    """Write the summary atomically to `out`; returns the number of pages."""
    st = _styles()
    page = landscape(A4)
    p = data.patient
    facts = [f"MRN {p.mrn}"] + [f"{label} {value.isoformat()}" for label, value in (
        ("born", p.date_of_birth), ("symptom onset", p.onset_date), ("diagnosed", p.diagnosis_date)) if value]
    if p.onset_site:
        facts.append(f"{p.onset_site.label.lower()} onset")
    story: list[object] = [
        Paragraph(escape(f"Clinician summary: {p.full_name}"), st["h1"]),
        Paragraph(escape(" \u00b7 ".join(facts) + f" \u00b7 made {data.generated_on.isoformat()}"), st["body"]),
        Paragraph("For the multidisciplinary team. Not for caregivers: they receive the care plan printout.",
                  st["small"]),
    ]
    width = page[0] - 30 * mm
    story += _course(data, st, width) + _prompts(data, st) + _plan(data, st)
    out = out.expanduser().absolute()
    if not out.parent.is_dir():
        raise PdfExportError(f"The folder {out.parent} does not exist; the summary was not written.")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    try:
        doc = SimpleDocTemplate(tmp, pagesize=page, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                                bottomMargin=12 * mm, title=f"Clinician summary {p.mrn}", author="CarePlan")
        doc.build(story)
        os.replace(tmp, out)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise PdfExportError(f"Cannot write {out}: {e.strerror}.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return int(doc.page)
