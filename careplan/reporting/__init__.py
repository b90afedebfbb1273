"""The caregiver printout (a PDF file), built from plain domain data.

Importing this package stays cheap: ReportLab loads only when a PDF function is first used,
so the app starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from careplan.reporting.model import (
    PAPER_SIZES,
    PdfExportError,
    PdfOptions,
    PdfResult,
    PrintablePlan,
    ProgressCallback,
)

if TYPE_CHECKING:
    from careplan.reporting.fonts import missing_glyphs
    from careplan.reporting.pdf import build_story, write_plan_pdf

__all__ = [
    "PAPER_SIZES",
    "PdfExportError",
    "PdfOptions",
    "PdfResult",
    "PrintablePlan",
    "ProgressCallback",
    "build_story",
    "missing_glyphs",
    "write_plan_pdf",
]

_LAZY = {
    "build_story": "careplan.reporting.pdf",
    "write_plan_pdf": "careplan.reporting.pdf",
    "missing_glyphs": "careplan.reporting.fonts",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
