"""Every script prints right: the scripts table of issue 15, in names, notes and item text.

Each sample is printed in a patient's name, an item's title and its instructions, in the footer,
and in mixed lines ("English: שרה כהן 123", a Hebrew sentence with a number and a comma, an
Arabic one with Arabic-Indic and European digits and brackets), then read back from the PDF by
two readers, and each sample must come back as typed, in logical order:
- PyMuPDF (`page.get_text()`, MuPDF's text extraction), and
- poppler (`pdftotext`, the engine of most Linux PDF viewers' copy and of many indexers).
Compared after NFC, without whitespace and without invisible format characters (Unicode
category Cf): the printout puts direction marks (U+200E, U+200F) and word joiners (U+2060) into
the text on purpose (bidi_lines.py, actual_text.py), and poppler adds its own embedding marks
(U+202A-U+202C). Whitespace goes because the readers put the space at a change of direction on
either side of it (poppler cannot put one between a Hebrew letter and a digit at all); the order
of every other character counts.
PDFium (pypdfium2) orders right-to-left lines by its own rules and is not one of these readers:
see README, "Scripts and fonts". No glyph may be .notdef (glyph 0: an empty box), and no warning
may say a font is missing.

The fonts come from the Debian packages scripts/ensure-fonts installs in CI, with poppler-utils
for pdftotext; without them these tests skip here (and fail in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from careplan.domain.disciplines import Discipline
from careplan.reporting import PdfOptions, write_plan_pdf
from careplan.reporting.actual_text import placement, typed_text
from careplan.reporting.bidi_lines import reorder_line, visual_order
from careplan.reporting.fonts import FontBook, font_book
from careplan.reporting.styles import styles_for
from tests.test_pdf import body_text, content, item, printable, revision

# script: (a person's name, an instruction in that language)
SCRIPTS = {
    "Latin": ("Żaneta Kowalská", "Pić wodę co godzinę"),
    "Greek": ("Ελένη Παπαδοπούλου", "Πίνετε νερό κάθε ώρα"),
    "Cyrillic": ("Дмитрий Иванов", "Пейте воду каждый час"),
    "Vietnamese": ("Nguyễn Thị Hương", "Uống nước mỗi giờ"),
    "Hebrew": ("שרה כהן", "לתת מים כל שעה, 3 פעמים ביום (לפחות 250 מ\"ל)."),
    "Arabic": ("فاطمة الزهراء", "اشرب الماء كل ساعة، ٣ مرات (250 مل) أو ١٢ كوبا يوميا."),
    "Devanagari": ("सुनीता क्षत्रिय", "हर घंटे पानी पिलाएं"),
    "Thai": ("สมชาย ใจดี", "ให้ดื่มน้ำทุกชั่วโมง"),
    "Chinese": ("王小明", "每小时喝水"),
    "Japanese": ("山田花子", "毎時間お水を飲んでください"),
    "Korean": ("김민준", "매시간 물을 마시세요"),
}
# The font family each script must come from (DejaVu Sans is bundled; the rest are installed).
FAMILY = {"Hebrew": "DejaVuSans", "Arabic": "NotoSansArabic", "Devanagari": "NotoSansDevanagari",
          "Thai": "NotoSansThai", "Chinese": "DroidSansFallback", "Japanese": "DroidSansFallback",
          "Korean": "Nanum"}
NEEDS = {"Arabic": "ب", "Devanagari": "क", "Thai": "ก", "Chinese": "水", "Japanese": "を", "Korean": "물"}


def _require_fonts() -> None:
    book = font_book()
    missing = [script for script, ch in NEEDS.items() if book.fallback_for(ch) is None]
    if shutil.which("pdftotext") is None:
        missing.append("pdftotext (poppler-utils)")
    if missing:
        message = (f"not installed: {', '.join(missing)}: scripts/ensure-fonts installs "
                   "fonts-noto-core, fonts-droid-fallback, fonts-nanum and poppler-utils")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def readable(text: str) -> str:
    """The characters a reader gives back, in order: NFC, no whitespace, no invisible format marks."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if not ch.isspace() and unicodedata.category(ch) != "Cf")


def mupdf_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return "".join(page.get_text() for page in doc)


def poppler_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


READERS = {"PyMuPDF get_text": mupdf_text, "poppler pdftotext": poppler_text}


def samples(script: str) -> list[str]:
    name, note = SCRIPTS[script]
    return [f"{script}: {name}", name, note, f"Note: {note} 12 times", f"Care plan for {name}",
            f"{note} English 123", f"English: {name} 123"]


def export(tmp_path: Path, script: str, large: bool, goal: str = "Stay safe at home") -> tuple[Path, list[str]]:
    name, note = SCRIPTS[script]
    items = (item("S1", Discipline.SPEECH, f"{script}: {name}", caregiver_instructions=note),
             item("S2", Discipline.NUTRITION, name, caregiver_instructions=f"Note: {note} 12 times", frequency=name),
             item("S3", Discipline.NUTRITION, f"{note} English 123", caregiver_instructions=f"English: {name} 123"))
    plan = printable(items, name=name)
    plan = replace(plan, revision=revision(1, content(items, goals=(goal,))))
    result = write_plan_pdf(plan, tmp_path / f"{script}.pdf", PdfOptions(large_print=large))
    return result.path, result.warnings


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("script", list(SCRIPTS))
def test_each_script_reads_back_in_logical_order_with_no_missing_glyph(tmp_path: Path, script: str,
                                                                        large: bool) -> None:
    _require_fonts()
    path, warnings = export(tmp_path, script, large)
    assert warnings == []
    for reader, read in READERS.items():
        text = readable(read(path))
        wrong = [sample for sample in samples(script) if readable(sample) not in text]
        assert wrong == [], (reader, wrong)
    with pymupdf.open(path) as doc:
        traced = [span for page in doc for span in page.get_texttrace()]
    notdef = [chr(c[0]) for span in traced for c in span["chars"] if c[1] == 0]
    assert notdef == []
    name = SCRIPTS[script][0]
    fonts = {span["font"] for span in traced if any(ch in "".join(chr(c[0]) for c in span["chars"])
                                                   for ch in name if not ch.isspace())}
    if script in FAMILY:
        assert any(font.replace("-", "").startswith(FAMILY[script]) for font in fonts), fonts


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("script", ["Hebrew", "Arabic"])
def test_a_right_to_left_name_in_the_footer_reads_back_in_order_on_every_page(tmp_path: Path, script: str,
                                                                               large: bool) -> None:
    """The footer's "<name> · born ..." line: a right-to-left name followed by a neutral dot
    and English, the line poppler and PyMuPDF used to turn round ("· שרה כהן born"). It stays
    left to right: a long Arabic name would otherwise make it a right-to-left paragraph."""
    _require_fonts()
    path, _ = export(tmp_path, script, large)
    name = SCRIPTS[script][0]
    s = styles_for(large).sizes
    with pymupdf.open(path) as doc:
        for page in doc:
            footer = page.get_text(clip=pymupdf.Rect(0, page.rect.height - s.bottom_margin, page.rect.width,
                                                     page.rect.height))
            assert readable(f"{name} · born") in readable(footer), (page.number, footer)
            words = page.get_text("words", clip=pymupdf.Rect(0, page.rect.height - s.bottom_margin,
                                                            page.rect.width, page.rect.height))
            born = next((w[1] + w[3]) / 2 for w in words if w[4] == "born")
            line = [w[0] for w in words if abs((w[1] + w[3]) / 2 - born) < 4]
            assert min(line) < s.side_margin + 10, line  # set from the left, however long the name
    pages = poppler_text(path).split("\f")
    assert all(readable(f"{name} · born") in readable(p) for p in pages if p.strip())


def test_an_arabic_indic_number_is_drawn_left_to_right(tmp_path: Path) -> None:
    """"١٢" is twelve: its digits are Arabic script, and HarfBuzz set them right to left ("٢١")."""
    _require_fonts()
    path, _ = export(tmp_path, "Arabic", large=False)
    found = 0
    with pymupdf.open(path) as doc:
        for page in doc:
            for block in page.get_text("rawdict")["blocks"]:
                for line in block.get("lines", []):
                    xs = {c["c"]: c["bbox"][0] for span in line["spans"] for c in span["chars"]}
                    if "١" in xs and "٢" in xs:
                        found += 1
                        assert xs["١"] < xs["٢"], line
    assert found


GOALS = {"Hebrew": "לשמור על בטיחות בבית", "Arabic": "البقاء بأمان في المنزل"}


@pytest.mark.parametrize("script", ["Hebrew", "Arabic"])
def test_a_right_to_left_paragraph_is_set_from_the_right_with_its_bullet_on_the_right(tmp_path: Path,
                                                                                       script: str) -> None:
    _require_fonts()
    goal = GOALS[script]
    path, _ = export(tmp_path, script, large=False, goal=goal)
    s = styles_for(False).sizes
    with pymupdf.open(path) as doc:
        right_edge = doc[0].rect.width - s.side_margin - 6  # the frame pads its text by 6 pt
        lines: dict[tuple[int, int, int], list[tuple[float, float, str]]] = {}
        for page in doc:
            for x0, _y0, x1, _y1, word, block, line, _ in page.get_text("words"):
                lines.setdefault((page.number, block, line), []).append((x0, x1, word))
    def line_of(text: str) -> list[tuple[float, float, str]]:
        return next(ws for ws in lines.values() if readable(text) in readable("".join(w for _, _, w in ws)))
    note = line_of(SCRIPTS[script][1].split()[0])  # the instructions: a paragraph of their own
    assert abs(max(x1 for _, x1, _ in note) - right_edge) < 2  # flush right, not left
    assert min(x0 for x0, _, _ in note) > s.side_margin + 40
    bulleted = line_of(goal.split()[0])
    bullet = [x1 for _, x1, w in bulleted if readable(w) == "•"]  # (MuPDF glues the line's first mark to it)
    assert bullet and bullet[0] > max(x1 for _, x1, w in bulleted if readable(w) != "•") + 5, bulleted
    english = line_of("English:")  # a left-to-right paragraph with a right-to-left name stays left
    assert min(x0 for x0, _, _ in english) < s.side_margin + 10


@pytest.mark.parametrize("script", ["Chinese", "Japanese", "Korean", "Devanagari", "Thai", "Arabic", "Hebrew"])
def test_bold_text_in_every_script_is_bold_or_drawn_outlined(tmp_path: Path, script: str) -> None:
    """Item titles are bold: a font without a bold face (Droid Sans Fallback) is outlined
    (text render mode 2), so a heading never looks like body text."""
    _require_fonts()
    path, _ = export(tmp_path, script, large=False)
    name = SCRIPTS[script][0]
    with pymupdf.open(path) as doc:
        title = [s for page in doc for s in page.get_texttrace()
                 if readable(name)[0] in "".join(chr(c[0]) for c in s["chars"]) and s["size"] > 14]
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
    """A note split over pages keeps each printed line in reading order, every word once.

    Read with PyMuPDF only: poppler takes a page's direction from whether more of its letters run
    right to left, and on such a page (this one is nearly all Hebrew and Arabic) reads each
    mixed line's runs from right to left, in the opposite order (README, "Scripts and fonts")."""
    _require_fonts()
    note = " ".join(["אחת שתיים שלוש ארבע חמש", "واحد اثنان ثلاثة"][n % 2] for n in range(60))
    items = tuple(item(f"L{i}", Discipline.SPEECH, f"Long {i}", caregiver_instructions=note) for i in range(3))
    result = write_plan_pdf(printable(items), tmp_path / "long.pdf", PdfOptions(large_print=True))
    assert result.pages >= 3
    with pymupdf.open(result.path) as doc:  # without footers, which fall between a note's lines
        assert readable(body_text(doc, large=True)).count(readable(note)) == 3


def test_visual_order_reverses_runs_from_the_highest_level_down() -> None:
    assert visual_order([0, 0, 1, 1, 1, 0]) == [0, 1, 4, 3, 2, 5]
    assert visual_order([1, 1, 2, 2, 1]) == [4, 2, 3, 1, 0]  # a left-to-right number inside Arabic
    assert visual_order([0, 0]) == [0, 1]


def displayed(line: object) -> str:
    """A drawn line as the eye reads it: its pieces from left to right, without invisible marks."""
    pieces = [(placement(f.text).x, str(f.text)) for f in line.words]  # type: ignore[attr-defined,union-attr]
    return "".join(t for _, t in sorted(pieces, key=lambda p: p[0]) if unicodedata.category(t[:1] or " ") != "Cf")


def copied(line: object) -> str:
    """What a reader takes from a drawn line: its /ActualText, or else its glyphs' text, which is
    then drawn left to right (the pieces' order is their order on the line)."""
    words = line.words  # type: ignore[attr-defined]
    marked = placement(words[0].text).actual_text  # type: ignore[union-attr]
    return marked if marked is not None else "".join(typed_text(f, f.text) for f in words)


def _para_line(text: str):  # noqa: ANN202 - a ReportLab FragLine
    from reportlab.platypus.paragraph import FragLine

    from careplan.reporting.flowables import Para
    from careplan.reporting.markup import Markup

    para = Para(Markup(font_book())(text), styles_for(False).body)
    para.wrap(5000, 1000)
    line = para.blPara.lines[0]
    assert isinstance(line, FragLine) or para._rtl_base is None  # a plain line: nothing to reorder
    return para, line


def test_brackets_around_right_to_left_words_belong_to_them() -> None:
    """"Note לתת (שרה), then": the brackets follow Hebrew and enclose Hebrew, so they join its
    run and are drawn mirrored (rule N0 of the bidi algorithm); copied, they are as typed."""
    _, line = _para_line("Note לתת (שרה), then")
    reorder_line(line, rtl_base=False)
    assert displayed(line) == "Note (הרש) תתל, then"
    assert readable(reader_order(copied(line))) == readable("Note לתת (שרה), then")


def reader_order(text: str) -> str:
    """What poppler (TextOutputDev.cc, reorderText) gives back for text laid out left to right
    on a left-to-right page, and PyMuPDF does the same at each run of right-to-left glyphs: each
    run that starts with a right-to-left character, up to the next left-to-right letter or
    number, is turned round. Poppler counts , . : / + - # $ % as numbers."""
    def kind(ch: str) -> str:
        if ch == "\u200e" or (unicodedata.bidirectional(ch) == "L"):
            return "L"
        if ch == "\u200f" or unicodedata.bidirectional(ch) in ("R", "AL"):
            return "R"
        return "#" if ch.isdigit() or ch in "#$%+,-./:" else "N"
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and kind(text[j]) != "R":
            j += 1
        out.append(text[i:j])
        i = j
        while j < len(text) and kind(text[j]) not in "L#":
            j += 1
        out.append(text[i:j][::-1])
        i = j
    return "".join(out)


TOKENS = ["Note", "then", "שלום", "עולם", "שרה", "12", "3.5", "(", ")", ",", ":", "-", "abc", ".", "·"]


def _line_text(tokens: list[str]) -> str:
    text = ""
    for t in tokens:
        text += t if (t in "(),:." or not text) else " " + t
    return text


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8))
def test_lines_are_drawn_in_the_order_the_unicode_bidi_algorithm_gives(tokens: list[str]) -> None:
    """reorder_line against python-bidi's full algorithm on the same line: the same display
    order (python-bidi leaves mirroring brackets to the font; the printout draws them mirrored)."""
    from bidi import get_display

    text = _line_text(tokens)
    para, line = _para_line(text)
    assume(para._rtl_base is not None)  # left-to-right only: nothing to reorder
    reorder_line(line, rtl_base=bool(para._rtl_base))
    # The paragraph's direction is the printout's choice (base_is_rtl); the order within it is the algorithm's.
    base = "R" if para._rtl_base else "L"
    assert displayed(line).translate(BRACKETS) == get_display(text, base_dir=base).translate(BRACKETS)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*TOKENS, "مل", "٢٥٠", "(٣)"]), min_size=1, max_size=8))
def test_what_a_line_copies_as_reads_back_as_typed(tokens: list[str]) -> None:
    """What a right-to-left line copies as, turned round by the readers' rule, is the line as
    typed: the model of what the export test measures with the real readers, over many lines."""
    text = _line_text(tokens)
    para, line = _para_line(text)
    assume(para._rtl_base is not None)
    reorder_line(line, rtl_base=bool(para._rtl_base))
    assert readable(reader_order(copied(line))) == readable(text)


BRACKETS = str.maketrans("()", "||")
def test_an_english_sentence_that_starts_with_a_hebrew_name_stays_left_to_right() -> None:
    from careplan.reporting.shaping import base_is_rtl

    assert not base_is_rtl("– שלום helps with this now (it was Tom).")
    assert base_is_rtl("לתת מים כל שעה, then rest")
    assert base_is_rtl("שלום")
