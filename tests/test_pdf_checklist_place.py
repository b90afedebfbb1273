"""Where the one-page daily checklist goes: under the last list when all of it fits there, else at
the top of a page of its own; never split, and always the last thing printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from careplan.domain.disciplines import Discipline
from tests.test_pdf import export, flat, item, page_texts

DAILY = ("Stretching exercises", "Alphabet board", "Breathing check at night")


def _plan_with_a_tail(lines: int):
    from tests.test_pdf import printable

    # A weekly item (not in the checklist) printed last before it, `lines` sentences long: as it
    # grows, the room left on its page for the checklist shrinks through every size.
    tail = " ".join(f"Sentence {n} of the last note, long enough to fill most of a line." for n in range(lines))
    items = (item("PT1", Discipline.PHYSIOTHERAPY, DAILY[0], frequency="Daily"),
             item("SP1", Discipline.SPEECH, DAILY[1], frequency="Twice a day"),
             item("RE1", Discipline.RESPIRATORY, DAILY[2], frequency="Every night"),
             item("PS1", Discipline.PSYCHOSOCIAL, "Carer support group", frequency="Weekly",
                  caregiver_instructions=tail or "Go when you can."))
    return printable(items)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_checklist_is_whole_and_last_wherever_it_lands(tmp_path: Path, paper: str) -> None:
    shared = alone = 0
    for lines in range(0, 60, 3):
        _, doc = export(tmp_path, _plan_with_a_tail(lines), f"tail-{lines}-{paper}.pdf", paper=paper)
        texts = [flat(t) for t in page_texts(doc)]
        holding = [n for n, t in enumerate(texts) if "Daily checklist" in t]
        assert holding == [len(texts) - 1], (lines, holding)  # on the last page only: never split
        last = texts[-1]
        checklist = last[last.index("Daily checklist"):]
        assert all(title in checklist for title in DAILY), lines
        assert checklist.count("☐") == 7 * (1 + 2 + 1), lines
        assert "Use a new copy of this page each week." in checklist, lines
        if last.startswith("Daily checklist"):
            alone += 1
        else:
            # It shares the page only below what came before, the last of the plan's text.
            assert "Sentence" in last[:last.index("Daily checklist")] or "Carer support group" in last, lines
            shared += 1
    # Both ways were taken, so each was checked above.
    assert shared and alone, (shared, alone)


def test_a_landscape_checklist_still_has_a_page_of_its_own(tmp_path: Path) -> None:
    # Large print needs a landscape page for the days, which cannot share a portrait one.
    _, doc = export(tmp_path, _plan_with_a_tail(0), large_print=True)
    last = doc[-1]
    assert last.rect.width > last.rect.height
    assert flat(last.get_text()).startswith("Daily checklist")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_large_print_checklist_of_ten_daily_rows_fits_one_sheet(tmp_path: Path, paper: str) -> None:
    from tests.test_pdf import printable

    # Ten once-a-day rows took two landscape sheets to copy every week; with the boxes' lines at
    # their own size they fit one, and the sheet says so.
    titles = [f"Daily task number {n}" for n in range(10)]
    items = tuple(item(f"PT{n}", Discipline.PHYSIOTHERAPY, t, frequency="Daily") for n, t in enumerate(titles))
    _, doc = export(tmp_path, printable(items), f"ten-{paper}.pdf", large_print=True, paper=paper)
    texts = [flat(t) for t in page_texts(doc)]
    holding = [n for n, t in enumerate(texts) if "Daily checklist" in t]
    assert holding == [len(texts) - 1]
    checklist = texts[-1]
    assert all(t in checklist for t in titles) and checklist.count("☐") == 7 * 10
    assert "Use a new copy of this page each week." in checklist
