"""The printout choices (paper size, large print) a coordinator made last, remembered between runs.

Ctrl+P prints with them in one step; File > Print options… is where they change.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from careplan.ui.settings import make_settings

PAPER_KEY, LARGE_KEY = "printout/paper", "printout/largePrint"
PAPERS = ("a4", "letter")


def remembered(settings: QSettings | None = None) -> tuple[str, bool]:
    """(paper, large_print); A4 and normal print until the coordinator chooses otherwise."""
    s = settings or make_settings()
    paper = str(s.value(PAPER_KEY, "a4"))
    return (paper if paper in PAPERS else "a4"), str(s.value(LARGE_KEY, "false")).lower() == "true"


def remember(paper: str, large_print: bool, settings: QSettings | None = None) -> None:
    s = settings or make_settings()
    s.setValue(PAPER_KEY, paper if paper in PAPERS else "a4")
    s.setValue(LARGE_KEY, "true" if large_print else "false")
    s.sync()
