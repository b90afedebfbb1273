"""Every script prints right: the scripts table of issue 15, in names, notes and item text.

Each sample is printed in a patient's name, an item's title and its instructions, then read back
from the PDF. How a PDF keeps the reading order differs by script, and so does the reader that
honours it:
- right-to-left text (Hebrew, Arabic) is drawn in visual order, as PDF expects; readers put it
  back in reading order (read here with PyMuPDF, as the other tests do);
- Devanagari and Thai glyphs are drawn in shaped order with the typed text as /ActualText, which
  PDFium (pypdfium2: the app's printing engine, and Chrome's PDF viewer) copies as typed. MuPDF
  repeats the last letter of such a line, so PyMuPDF is not the reader for those two.
No glyph may be .notdef (glyph 0: an empty box), and no warning may say a font is missing.

The fonts come from the Debian packages scripts/ensure-fonts installs in CI; without them these
tests skip here (and fail in CI).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pymupdf
import pypdfium2
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from careplan.domain.disciplines import Discipline
from careplan.reporting import PdfOptions, write_plan_pdf
from careplan.reporting.fonts import FontBook, font_book
from careplan.reporting.shaping import reorder_line, visual_order
from tests.test_pdf import body_text, item, printable

# script: (a person's name, an instruction in that language, the reader that keeps its order)
SCRIPTS = {
    "Latin": ("Żaneta Kowalská", "Pić wodę co godzinę", "both"),
    "Greek": ("Ελένη Παπαδοπούλου", "Πίνετε νερό κάθε ώρα", "both"),
    "Cyrillic": ("Дмитрий Иванов", "Пейте воду каждый час", "both"),
    "Vietnamese": ("Nguyễn Thị Hương", "Uống nước mỗi giờ", "both"),
    "Hebrew": ("שרה כהן", "לתת מים כל שעה", "mupdf"),
    "Arabic": ("فاطمة الزهراء", "اشرب الماء كل ساعة", "mupdf"),
    "Devanagari": ("सुनीता क्षत्रिय", "हर घंटे पानी पिलाएं", "pdfium"),
    "Thai": ("สมชาย ใจดี", "ให้ดื่มน้ำทุกชั่วโมง", "pdfium"),
    "Chinese": ("王小明", "每小时喝水", "both"),
    "Japanese": ("山田花子", "毎時間お水を飲んでください", "both"),
    "Korean": ("김민준", "매시간 물을 마시세요", "both"),
}
# The font family each script must come from (DejaVu Sans is bundled; the rest are installed).
FAMILY = {"Hebrew": "DejaVuSans", "Arabic": "NotoSansArabic", "Devanagari": "NotoSansDevanagari",
          "Thai": "NotoSansThai", "Chinese": "DroidSansFallback", "Japanese": "DroidSansFallback",
          "Korean": "Nanum"}
NEEDS = {"Arabic": "ب", "Devanagari": "क", "Thai": "ก", "Chinese": "水", "Japanese": "を", "Korean": "물"}


def _require_fonts() -> None:
    book = font_book()
    missing = [script for script, ch in NEEDS.items() if book.fallback_for(ch) is None]
    if missing:
        message = (f"no installed font for {', '.join(missing)}: scripts/ensure-fonts installs "
                   "fonts-noto-core, fonts-droid-fallback and fonts-nanum")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def squeezed(text: str) -> str:
    """Without whitespace: readers place the space beside a right-to-left run on either side."""
    return "".join(unicodedata.normalize("NFC", text).split())


def mupdf_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return squeezed("".join(page.get_text() for page in doc))


def pdfium_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(path)
    try:
        return squeezed("".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
    finally:
        pdf.close()


def export(tmp_path: Path, script: str, large: bool) -> tuple[Path, list[str]]:
    name, note, _ = SCRIPTS[script]
    items = (item("S1", Discipline.SPEECH, f"{script}: {name}", caregiver_instructions=note),
             item("S2", Discipline.NUTRITION, name, caregiver_instructions=f"Note: {note}", frequency=name))
    result = write_plan_pdf(printable(items, name=name), tmp_path / f"{script}.pdf", PdfOptions(large_print=large))
    return result.path, result.warnings


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("script", list(SCRIPTS))
def test_each_script_reads_back_in_reading_order_with_no_missing_glyph(tmp_path: Path, script: str,
                                                                        large: bool) -> None:
    _require_fonts()
    name, note, reader = SCRIPTS[script]
    path, warnings = export(tmp_path, script, large)
    assert warnings == []
    texts = {"mupdf": [mupdf_text(path)], "pdfium": [pdfium_text(path)]}
    texts["both"] = texts["mupdf"] + texts["pdfium"]
    for text in texts[reader]:
        for sample in (f"{script}: {name}", name, note, f"Note: {note}", f"Care plan for {name}"):
            assert squeezed(sample) in text, (reader, sample)
    with pymupdf.open(path) as doc:
        traced = [span for page in doc for span in page.get_texttrace()]
    notdef = [chr(c[0]) for span in traced for c in span["chars"] if c[1] == 0]
    assert notdef == []
    fonts = {span["font"] for span in traced if any(ch in "".join(chr(c[0]) for c in span["chars"])
                                                   for ch in name if not ch.isspace())}
    if script in FAMILY:
        assert any(font.replace("-", "").startswith(FAMILY[script]) for font in fonts), fonts


@pytest.mark.parametrize("script", ["Chinese", "Japanese", "Korean", "Devanagari", "Thai", "Arabic", "Hebrew"])
def test_bold_text_in_every_script_is_bold_or_drawn_outlined(tmp_path: Path, script: str) -> None:
    """Item titles are bold: a font without a bold face (Droid Sans Fallback) is outlined
    (text render mode 2), so a heading never looks like body text."""
    _require_fonts()
    path, _ = export(tmp_path, script, large=False)
    name = SCRIPTS[script][0]
    with pymupdf.open(path) as doc:
        title = [s for page in doc for s in page.get_texttrace()
                 if squeezed(name)[0] in "".join(chr(c[0]) for c in s["chars"]) and s["size"] > 14]
    assert title
    # PyMuPDF traces outlined text twice: filled (type 0), then stroked (type 1).
    assert all("Bold" in s["font"] for s in title) or {s["type"] for s in title} == {0, 1}, \
        [(s["font"], s["type"]) for s in title]


def test_a_script_no_font_has_is_named_in_the_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no font for Korean, the export says so, naming the script and the package."""
    book = FontBook(search_dirs=[tmp_path], use_fc_list=False)
    monkeypatch.setattr("careplan.reporting.pdf.font_book", lambda: book)
    items = (item("K", Discipline.SPEECH, "Korean: 김민준"),)
    result = write_plan_pdf(printable(items), tmp_path / "k.pdf", PdfOptions())
    assert len(result.warnings) == 1
    assert "Korean (Hangul)" in result.warnings[0] and "fonts-nanum" in result.warnings[0]
    assert "김" in result.warnings[0]


def test_a_long_right_to_left_note_runs_across_pages_in_reading_order(tmp_path: Path) -> None:
    """A note split over pages keeps each printed line in reading order, every word once."""
    _require_fonts()
    note = " ".join(["אחת שתיים שלוש ארבע חמש", "واحد اثنان ثلاثة"][n % 2] for n in range(60))
    items = tuple(item(f"L{i}", Discipline.SPEECH, f"Long {i}", caregiver_instructions=note) for i in range(3))
    result = write_plan_pdf(printable(items), tmp_path / "long.pdf", PdfOptions(large_print=True))
    assert result.pages >= 3
    with pymupdf.open(result.path) as doc:  # without footers, which fall between a note's lines
        assert squeezed(body_text(doc, large=True)).count(squeezed(note)) == 3


def test_visual_order_reverses_runs_from_the_highest_level_down() -> None:
    assert visual_order([0, 0, 1, 1, 1, 0]) == [0, 1, 4, 3, 2, 5]
    assert visual_order([1, 1, 2, 2, 1]) == [4, 2, 3, 1, 0]  # a left-to-right number inside Arabic
    assert visual_order([0, 0]) == [0, 1]


def test_brackets_around_right_to_left_words_belong_to_them() -> None:
    """"Note לתת (שרה), then": the brackets follow Hebrew and enclose Hebrew, so they join its
    run and are drawn mirrored (rule N0 of the bidi algorithm)."""
    from reportlab.platypus.paragraph import FragLine

    from careplan.reporting.flowables import Para
    from careplan.reporting.markup import Markup
    from careplan.reporting.styles import styles_for

    para = Para(Markup(font_book())("Note לתת (שרה), then"), styles_for(False).body)
    para.wrap(500, 1000)
    line = para.blPara.lines[0]
    assert isinstance(line, FragLine)
    reorder_line(line, rtl_base=False)
    drawn = "".join(str(f.text) for f in line.words)
    assert drawn == "Note (הרש) תתל, then"


TOKENS = ["Note", "then", "שלום", "עולם", "שרה", "12", "3.5", "(", ")", ",", ":", "-", "abc"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8))
def test_lines_are_drawn_in_the_order_the_unicode_bidi_algorithm_gives(tokens: list[str]) -> None:
    """reorder_line against python-bidi's full algorithm on the same line: the same display
    order (python-bidi leaves mirroring brackets to the font; the printout draws them mirrored)."""
    from bidi import get_display

    from careplan.reporting.flowables import Para
    from careplan.reporting.markup import Markup
    from careplan.reporting.styles import styles_for

    text = ""
    for t in tokens:
        text += t if (t in "(),:" or not text) else " " + t
    para = Para(Markup(font_book())(text), styles_for(False).body)
    assume(para._rtl_base is not None)  # left-to-right only: nothing to reorder
    para.wrap(5000, 1000)
    line = para.blPara.lines[0]
    reorder_line(line, rtl_base=bool(para._rtl_base))
    drawn = "".join(str(f.text) for f in line.words)
    # The paragraph's direction is the printout's choice (base_is_rtl); the order within it is the algorithm's.
    base = "R" if para._rtl_base else "L"
    assert drawn.translate(BRACKETS) == get_display(text, base_dir=base).translate(BRACKETS)


BRACKETS = str.maketrans("()", "||")


def test_an_english_sentence_that_starts_with_a_hebrew_name_stays_left_to_right() -> None:
    from careplan.reporting.shaping import base_is_rtl

    assert not base_is_rtl("– שלום helps with this now (it was Tom).")
    assert base_is_rtl("לתת מים כל שעה, then rest")
    assert base_is_rtl("שלום")
