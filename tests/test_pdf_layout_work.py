"""How much work laying out the printout takes, counted rather than timed (bench/pdf.py times it).

Breaking a paragraph into lines is most of a printout's cost, and the same paragraph is measured
by every page-1 level that shares it, by KeepStart and stack_height, by a table's every wrap and
then by the frame: each must break its lines once per width. HarfBuzz shaping is for the scripts
that need it: a printout in Latin, Greek or Cyrillic letters (accents, emoji) never shapes a word.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from reportlab.platypus import paragraph as rl_paragraph

from bench.pdf import printable
from careplan.reporting import PdfOptions, write_plan_pdf
from tests.test_pdf import HEBREW, WORLD


@pytest.fixture
def breaks(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[int, tuple[float, ...]]]:
    """Each (paragraph, widths) ReportLab breaks into lines, and how often."""
    seen: Counter[tuple[int, tuple[float, ...]]] = Counter()
    alive: list[Any] = []  # kept, so no paragraph's id is reused by another one
    original = rl_paragraph.Paragraph.breakLines

    def counted(self: Any, width: Any) -> Any:
        alive.append(self)
        seen[(id(self), tuple(width) if isinstance(width, list | tuple) else (width,))] += 1
        return original(self, width)

    monkeypatch.setattr(rl_paragraph.Paragraph, "breakLines", counted)
    return seen


@pytest.fixture
def shaped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each word ReportLab hands to HarfBuzz shaping."""
    words: list[str] = []
    original = rl_paragraph.shapeFragWord

    def counted(word: list[Any], *args: Any, **kwargs: Any) -> Any:
        words.append("".join(s for _, s in word[1:]))
        return original(word, *args, **kwargs)

    monkeypatch.setattr(rl_paragraph, "shapeFragWord", counted)
    return words


@pytest.mark.parametrize("large", [False, True])
def test_no_paragraph_is_broken_into_lines_twice_at_one_width(tmp_path: Path, breaks: Counter, large: bool) -> None:
    result = write_plan_pdf(printable(40), tmp_path / "p.pdf", PdfOptions(large_print=large))
    assert result.pages > 2  # page 1's levels, items across pages, the checklist: all measured
    assert len(breaks) > 150
    assert [n for n in breaks.values() if n > 1] == []


def test_text_in_no_complex_script_is_never_shaped(tmp_path: Path, shaped: list[str]) -> None:
    plan = printable(10)
    plan = replace(plan, patient=replace(plan.patient, full_name=WORLD))
    write_plan_pdf(plan, tmp_path / "latin.pdf")
    with pymupdf.open(tmp_path / "latin.pdf") as doc:
        assert "Łukasz Żółć" in doc[0].get_text()
    assert shaped == []
    # And the hook does see shaping when a script needs it: a Hebrew name is shaped.
    write_plan_pdf(replace(plan, patient=replace(plan.patient, full_name=HEBREW)), tmp_path / "hebrew.pdf")
    assert any(w in HEBREW for w in shaped)
