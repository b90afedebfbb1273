"""Hostile text in every printed field reads back from the PDF exactly as typed.

ReportLab parses a Paragraph's text as markup, so one unescaped `<` or `&` in any field breaks
the whole printout or silently drops words. Every text field of every entity printed is filled
at once, each with its own tag, and the PDF's text is read back with PyMuPDF. Fields a caregiver
must not see (clinical notes, e-mail addresses...) are checked to stay off the page.
"""

from __future__ import annotations

import collections
import re
import shutil
import typing
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pymupdf
import pytest
from bidi import get_display
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.diff import diff_contents
from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanItem, PlanStatus, Revision
from careplan.domain.team import Role
from careplan.reporting import PdfOptions, PrintablePlan, write_plan_pdf
from careplan.reporting.fonts import FontBook, font_book
from careplan.reporting.markup import Markup
from careplan.reporting.pages import Footer
from careplan.reporting.styles import styles_for

# Every text field of what the printout is made from: printed, or kept off the page on purpose.
PRINTED: dict[type, set[str]] = {
    Patient: {"full_name", "mrn"},
    Caregiver: {"name", "relationship", "phone"},
    TeamMember: {"name", "phone"},
    PlanItem: {"title", "caregiver_instructions", "frequency", "responsible", "goal"},
    Goal: {"text"},
    PrintablePlan: {"clinic_name"},
}
NOT_PRINTED: dict[type, set[str]] = {
    Patient: {"preferred_language", "notes"},
    Caregiver: {"email"},
    PlanItem: {"clinical_description", "notes", "catalogue_code", "uid"},
    Revision: {"author", "reason", "prev_hash", "content_hash"},
}
# Item fields whose old and new values "What changed" quotes (instructions get a sentence of their own).
QUOTED_CHANGES = ("title", "frequency", "responsible", "goal")

FRAGMENTS = ["<", ">", "&", "<b>", "</b>", "</para>", "<font name=x>", "<br/>", "&amp;", "&lt;", "&#60;",
             "\"", "'", "“quoted”", "😀", "שלום", "مرحبا", "Żółć", "é", "a", "b", " ", "\n"]
hostile_text = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join).filter(
    lambda s: bool(s.strip()))

SAMPLES = ["<b>bold</b>", "a < b & c > d", "</para><para>", '<font name="Courier">x</font>', "&amp; &lt; &#60;",
           "\"double\" 'single' “curly”", "😀 ☺ ✓", "שרה כהן", "مرحبا بكم", "Łukasz\nŻółć"]


def text_fields(cls: type) -> set[str]:
    return {name for name, hint in typing.get_type_hints(cls).items() if hint is str
            and name in {f.name for f in fields(cls)}}


def test_every_text_field_is_either_printed_or_kept_off_the_page() -> None:
    for cls in PRINTED.keys() | NOT_PRINTED.keys():
        printed, hidden = PRINTED.get(cls, set()), NOT_PRINTED.get(cls, set())
        assert not printed & hidden
        assert printed | hidden == text_fields(cls), cls.__name__


@dataclass
class Expect:
    """What the page must show: tagged values in the body, the footer and "What changed"."""

    body: list[str]
    footer: list[str]
    changes: list[str]
    absent: list[str]


class Tagger:
    """Gives every field its own tag, so a value found on the page is known to be that field's."""

    def __init__(self, value: typing.Callable[[str], str]):
        self.value, self.n, self.expect = value, 0, Expect([], [], [], [])

    def __call__(self, where: str, slot: str) -> str:
        self.n += 1
        text = f"#{self.n}#{self.value(slot)}"
        getattr(self.expect, where).append(text)
        return text

    def entity(self, cls: type, where: str, **fixed: object) -> typing.Any:
        values = {name: self(where if name in PRINTED.get(cls, ()) else "absent", f"{cls.__name__}.{name}")
                  for name in sorted(text_fields(cls)) if name not in fixed}
        return cls(**values, **fixed)


def hostile_plan(value: typing.Callable[[str], str]) -> tuple[PrintablePlan, Expect]:
    tag = Tagger(value)
    name = tag("body", "Patient.full_name")
    tag.expect.footer.append(name)
    patient = tag.entity(Patient, "body", full_name=name)
    patient = replace(patient, caregivers=[tag.entity(Caregiver, "body")],
                      care_team=[tag.entity(TeamMember, "body", role=Role.SPECIALIST_NURSE)])

    def item(where: str, discipline: Discipline, status: ItemStatus = ItemStatus.ACTIVE, **kw: str) -> PlanItem:
        return tag.entity(PlanItem, where, discipline=discipline, status=status, **kw)

    kept = item("body", Discipline.PHYSIOTHERAPY)
    declined = item("absent", Discipline.SPEECH, ItemStatus.DECLINED, title=tag("body", "declined title"))
    added = item("body", Discipline.NUTRITION, title=tag("changes", "added title"))
    removed = item("absent", Discipline.RESPIRATORY, title=tag("changes", "removed title"))
    changed_before = item("absent", Discipline.OCCUPATIONAL_THERAPY,
                          **{f: tag("changes", f"old {f}") for f in QUOTED_CHANGES})
    changed_after = replace(changed_before, caregiver_instructions=tag("body", "new instructions"),
                            **{f: tag("changes", f"new {f}") for f in QUOTED_CHANGES})
    kept_goal, old_goal = tag.entity(Goal, "body"), Goal(tag("changes", "old goal"))
    new_goal = Goal(tag("changes", "new goal"))
    dates = dict(status=PlanStatus.ACTIVE, start_date=date(2025, 1, 10), next_review=date(2025, 6, 2))
    before = PlanContent(goals=(old_goal, kept_goal), items=(kept, removed, changed_before), **dates)  # type: ignore[arg-type]
    now = PlanContent(goals=(kept_goal, new_goal), items=(kept, changed_after, added, declined), **dates)  # type: ignore[arg-type]
    revision = Revision(number=2, created_at=datetime(2025, 3, 4, 10, 30, tzinfo=UTC), content=now,
                        **{f: tag("absent", f"Revision.{f}") for f in sorted(text_fields(Revision))})
    plan = PrintablePlan(patient=patient, revision=revision, changes=diff_contents(before, now),
                         generated_on=date(2025, 3, 5), clinic_name=tag("body", "clinic"))
    return plan, tag.expect


def squeezed(text: str) -> str:
    """Without whitespace: wrapping and collapsed spaces are layout, not content; without the
    invisible direction marks and word joiners the printout adds around right-to-left text
    (bidi_lines.py, actual_text.py)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if not ch.isspace() and unicodedata.category(ch) != "Cf")


def drawn(page: pymupdf.Page, clip: pymupdf.Rect, how: str) -> str:
    """Each line's characters as drawn, left to right ("raw", brackets folded with their mirror
    image), or put back in reading order by python-bidi as a left-to-right ("L") or right-to-left
    ("R") paragraph: PyMuPDF's own reading of Hebrew or Arabic beside digits and signs such as
    "#1#" is off, and a line may join two table cells of different directions."""
    lines = []
    for block in page.get_text("rawdict", clip=clip)["blocks"]:
        for line in block.get("lines", []):
            chars = sorted((c for s in line["spans"] for c in s["chars"]), key=lambda c: c["bbox"][0])
            visual = "".join(c["c"] for c in chars)
            lines.append(visual.translate(FOLD) if how == "raw" else get_display(visual, base_dir=how).translate(UNMIRROR))
    return "\n".join(lines)


def shown(text: str, where: str) -> bool:
    """`text` is in `where`, read in typing order or in the display order python-bidi gives it
    (turning a line's drawn order back is not always exact: "#7#مرحبا“quoted”<font").

    Mixed-direction text wrapped over lines in a narrow cell is displayed line by line, so no
    single reading holds it whole: then every character of it must be in the four drawn lines
    from the one holding its first right-to-left run (the order of such lines is what
    test_pdf_scripts' comparison with python-bidi checks)."""
    if squeezed(text) in where or squeezed(get_display(text)).translate(FOLD) in where:
        return True
    rtl = re.search(RTL_RUN, text)
    lines = where.split("\n")
    for i, line in enumerate(lines):
        # Text with no right-to-left letter of its own is reordered too when it shares a
        # right-to-left line (a caregiver's name beside their relationship in Arabic).
        if (rtl.group() in line or rtl.group()[::-1] in line) if rtl else re.search(RTL_RUN, line):
            near = collections.Counter("".join(lines[i:i + 4]))
            if not collections.Counter(squeezed(text).translate(FOLD)) - near:
                return True
    return False


RTL_RUN = r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+"
FOLD = str.maketrans(")]}>»", "([{<«")  # a bracket and its mirror image as one


# The printout draws a bracket in right-to-left text mirrored; python-bidi leaves it as it is.
UNMIRROR = str.maketrans("()[]{}", ")(][}{")


def read_back(path: Path, plan: PrintablePlan) -> tuple[str, str, str]:
    """(body, footers, "What changed" section) as squeezed text; the body is read both ways."""
    footer_top = Footer(plan, styles_for(False), Markup(font_book()), 595).bottom_margin
    plain: list[str] = []
    in_order: dict[str, list[str]] = {"L": [], "R": [], "raw": []}
    footer: list[str] = []
    with pymupdf.open(path) as doc:
        for page in doc:
            w, h = page.rect.width, page.rect.height
            clip = pymupdf.Rect(0, 0, w, h - footer_top)
            plain.append(page.get_text(clip=clip))
            for how, pages in in_order.items():
                pages.append(drawn(page, clip, how))
            footer.append(drawn(page, pymupdf.Rect(0, h - footer_top, w, h), "L"))
    # Each reading whole, and the drawn one line by line too: shown() looks near a right-to-left run.
    bodies = [squeezed("\n".join(texts)) for texts in (plain, *in_order.values())]
    bodies.append("\n".join(squeezed(line) for line in "\n".join(in_order["raw"]).split("\n")))
    return "\n".join(bodies), squeezed("\n".join(footer)), "\n".join(map(changes_section, bodies))


def changes_section(body: str) -> str:
    start = body.index("Whatchangedsincethelastversion")
    return body[start:body.index("Goalsofthisplan", start)]


def footer_names(footer: str) -> list[str]:
    return [part.split("·born")[0] for part in footer.split("Careplanfor")[1:]]


def shortened_from(shown: str, name: str) -> bool:
    """The footer shows the whole name, or as much as fits on its line followed by "…"."""
    full = squeezed(name)
    if shown == full or (shown.endswith("…") and len(shown) > 8 and full.startswith(shown[:-1])):
        return True
    if not re.search(RTL_RUN, full):
        return False
    # A right-to-left name is drawn in display order, and digits or neutrals beside its run read
    # back moved ("#1#مرحبا&#60;" as "#1#60#&مرحبا;"): the same characters, or fewer when cut.
    drawn, typed = collections.Counter(shown.removesuffix("…").translate(FOLD)), collections.Counter(full.translate(FOLD))
    return drawn == typed or (shown.endswith("…") and not drawn - typed)


def check_printout(tmp_path: Path, value: typing.Callable[[str], str]) -> None:
    plan, expect = hostile_plan(value)
    result = write_plan_pdf(plan, tmp_path / "hostile.pdf", PdfOptions())
    whole, footer, changes = read_back(result.path, plan)
    for text in expect.body:
        assert shown(text, whole), f"{text!r} is not in the printout"
    for text in expect.footer:
        assert footer_names(footer) and all(shortened_from(n, text) for n in footer_names(footer)), text
    for text in expect.changes:
        assert shown(text, changes), f"{text!r} is not under What changed"
    for text in expect.absent:
        assert squeezed(text) not in whole + footer, f"{text!r} is printed but must not be"
    # "What changed" names both values of each changed field, and the goals.
    for field in QUOTED_CHANGES:
        old, new = (getattr(x, field) for x in (plan.changes.changed[0].before, plan.changes.changed[0].after))  # type: ignore[union-attr]
        assert shown(new, changes) and shown(old, changes), field
    assert result.warnings == [], result.warnings


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_hostile_sample_in_every_field_prints_literally(tmp_path: Path, sample: str) -> None:
    check_printout(tmp_path, lambda slot: sample)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.data())
def test_generated_hostile_text_in_every_field_prints_literally(tmp_path: Path, data: st.DataObject) -> None:
    check_printout(tmp_path, lambda slot: data.draw(hostile_text, label=slot))


MATH_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf")
SCRIPT_A = "\U0001d49c"  # not in DejaVu Sans: drawn from an installed font in a <font> run


def with_math_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copy(MATH_FONT, fonts / "SomeMath.ttf")
    book = FontBook(search_dirs=[fonts], use_fc_list=False)
    monkeypatch.setattr("careplan.reporting.pdf.font_book", lambda: book)


@pytest.mark.skipif(not MATH_FONT.exists(), reason="needs the DejaVu Math font installed")
def test_markup_next_to_a_character_from_a_fallback_font_prints_literally(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Text with a character DejaVu Sans lacks is written as runs, each in its own <font> tag.
    with_math_font(tmp_path, monkeypatch)
    check_printout(tmp_path, lambda slot: f"<b>{SCRIPT_A}</b> & <font> &lt;")


@pytest.mark.skipif(not MATH_FONT.exists(), reason="needs the DejaVu Math font installed")
def test_a_phone_number_kept_on_one_line_survives_characters_from_another_font(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Numbers are kept whole by non-breaking spaces; they were put into the markup after it was
    # made, so a character from a fallback font put one inside a <font> tag: no printout at all.
    with_math_font(tmp_path, monkeypatch)
    phone = f"020 7946 {SCRIPT_A} 0001"
    plan, _ = hostile_plan(lambda slot: phone if "phone" in slot else "x")
    result = write_plan_pdf(plan, tmp_path / "phone.pdf", PdfOptions())
    whole, _, _ = read_back(result.path, plan)
    assert whole.count(squeezed(phone)) >= 2  # the caregiver's and the team member's
