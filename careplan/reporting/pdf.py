"""Writes the caregiver printout: a story of flowables on numbered pages, saved atomically."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path
from typing import IO, Any

from reportlab.lib.pagesizes import landscape
from reportlab.platypus import Flowable
from reportlab.platypus.doctemplate import LayoutError

import careplan
from careplan import atomic_file
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import mentions_dose
from careplan.reporting import checklist, glance, items, story
from careplan.reporting import wording as w
from careplan.reporting.flowables import KeepStart
from careplan.reporting.fonts import REGULAR, describe_missing, font_book
from careplan.reporting.markup import Markup
from careplan.reporting.model import (
    PdfExportError,
    PdfOptions,
    PdfResult,
    PrintablePlan,
    ProgressCallback,
)
from careplan.reporting.pages import Footer, NumberedCanvas, PrintoutDoc, page_template
from careplan.reporting.shaping import SHAPING_AVAILABLE
from careplan.reporting.styles import PAGE_SIZES, styles_for

__all__ = ["build_story", "count_pages", "render_plan_pdf", "write_plan_pdf", "PdfExportError"]


def _compose(plan: PrintablePlan, options: PdfOptions) -> tuple[list[Flowable], Markup, Footer]:
    m = Markup(font_book())
    st = styles_for(options.large_print)
    footer = Footer(plan, st, m, PAGE_SIZES[options.paper][0])
    c = story.make_ctx(plan, options, m, footer.bottom_margin)
    current = items.current_items(c)
    out = glance.at_a_glance(c) + story.who_to_call(c)
    if plan.changes is not None:
        out += story.what_changed(c)
    out += story.goals(c)
    out += items.discipline_sections(c, current) if current else story.nothing_yet(c)
    out += items.equipment_list(c, current)
    out += items.set_aside(c)
    out += checklist.daily_checklist(c, current)
    return out, m, footer


def build_story(plan: PrintablePlan, options: PdfOptions) -> list[Flowable]:
    """The printout's flowables, without writing anything (used by benchmarks)."""
    return _compose(plan, options)[0]


def _report_progress(progress: ProgressCallback) -> Any:
    state = {"size": 1, "last": -1}

    def on_event(kind: str, value: int) -> None:
        if kind == "SIZE_EST":
            state["size"] = max(1, value)
        elif kind == "PROGRESS":
            pct = 10 + int(85 * min(value, state["size"]) / state["size"])
            if pct > state["last"]:  # the count can step back when a flowable splits
                state["last"] = pct
                progress(pct)

    return on_event


def _render(plan: PrintablePlan, options: PdfOptions, target: IO[bytes],
            progress: ProgressCallback | None, count_only: bool = False) -> tuple[int, Markup]:
    st = styles_for(options.large_print)
    s = st.sizes
    flowables, m, footer = _compose(plan, options)
    if progress:
        progress(10)
    name = plan.patient.full_name.strip() or "a patient"
    size = PAGE_SIZES[options.paper]
    doc = PrintoutDoc(
        target,
        pagesize=size,
        leftMargin=s.side_margin, rightMargin=s.side_margin,
        topMargin=s.top_margin, bottomMargin=footer.bottom_margin,
        title=f"Care plan for {name}, revision {plan.revision.number}",
        subject="Care plan for family caregivers" + (" (large print)" if options.large_print else ""),
        author=plan.clinic_details.name.strip() or plan.revision.author.strip() or "CarePlan",
        creator=f"CarePlan {careplan.__version__}",
        lang="en",
        displayDocTitle=1,
        initialFontName=REGULAR,
        keepTogetherClass=KeepStart,
        label_size=s.body,
        footer=footer,
    )
    doc.addPageTemplates([page_template(story.PORTRAIT, size, s, footer.bottom_margin),
                          page_template(story.LANDSCAPE, landscape(size), s, footer.bottom_margin)])
    if progress:
        doc.setProgressCallBack(_report_progress(progress))
    doc.build(flowables, canvasmaker=partial(NumberedCanvas, footer=footer, count_only=count_only))
    return footer.pages, m


def count_pages(plan: PrintablePlan, options: PdfOptions | None = None) -> int:
    """How many pages the printout takes, laid out exactly as render_plan_pdf lays it out, but
    with nothing written: for measuring page counts over many plans (bench/printout_pages.py)."""
    return _render(plan, options or PdfOptions(), io.BytesIO(), None, count_only=True)[0]


def _check_folder(out_path: Path) -> None:
    folder = out_path.parent
    if out_path.is_dir():
        raise PdfExportError(f"Cannot save the printout as {out_path}: that is a folder. Choose a file name.")
    if not folder.exists():
        raise PdfExportError(f"Cannot save the printout to {out_path}: the folder {folder} does not exist.")
    if not folder.is_dir():
        raise PdfExportError(f"Cannot save the printout to {out_path}: {folder} is a file, not a folder.")


def render_plan_pdf(plan: PrintablePlan, target: IO[bytes], out_path: Path, options: PdfOptions | None = None,
                    progress: ProgressCallback | None = None) -> PdfResult:
    """Write the printout into an open binary file; `out_path` is where it will end up (for messages).

    Raises PdfExportError when the plan cannot be laid out. Characters no installed font can show
    do not stop the printout: they are listed in the result's warnings.
    """
    options = options or PdfOptions()
    if progress:
        progress(0)
    try:
        pages, m = _render(plan, options, target, progress)
    except LayoutError as e:
        # ReportLab's own text (kept as the cause) describes flowables, not anything a user can act on.
        raise PdfExportError(f"The plan could not be laid out on the page, so {out_path} was not written. "
                             "Please report this problem.") from e
    warnings = []
    unprintable = describe_missing(sorted(m.missing)) if m.missing else ""
    if unprintable:
        warnings.append(unprintable)
    if m.has_complex and not SHAPING_AVAILABLE:
        warnings.append(w.SHAPING_WARNING)
    dosed = [i.title for i in plan.revision.content.items
             if i.discipline is Discipline.MEDICATION and mentions_dose(i.caregiver_instructions)]
    if dosed:
        warnings.append(
            "The instructions for " + ", ".join(dosed) + " mention a dose. The printout leaves doses to the "
            "prescription and says \"Give as your doctor prescribed.\" instead."
        )
    if progress:
        progress(100)
    return PdfResult(path=out_path, pages=pages, warnings=warnings, unprintable=unprintable)


def write_plan_pdf(plan: PrintablePlan, out_path: Path, options: PdfOptions | None = None,
                   progress: ProgressCallback | None = None) -> PdfResult:
    """Write the printout to `out_path`, readable by its owner only; all or nothing.

    For a file CarePlan chose itself (a print job's private folder, a benchmark); a path a user
    typed goes through services.printing, which first refuses databases and existing files.
    Raises PdfExportError naming the file when it cannot be written.
    """
    out_path = Path(out_path)
    _check_folder(out_path)
    try:
        with atomic_file.staged(out_path) as stage:
            result = render_plan_pdf(plan, stage.file, out_path, options, progress)
            stage.commit()
    except OSError as e:
        raise PdfExportError(f"Cannot save the printout to {out_path}: {e.strerror or e}. Check that there is "
                             "space on the disk and that you are allowed to write in that folder.") from e
    return result


