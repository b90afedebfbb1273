"""The caregiver printout, read back from the written PDF with PyMuPDF."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pymupdf
import pytest

from careplan.domain.diff import diff_contents
from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanItem, PlanStatus, Revision
from careplan.domain.team import Role
from careplan.reporting import PdfExportError, PdfOptions, PrintablePlan, write_plan_pdf
from careplan.reporting.fonts import FontBook, font_book
from careplan.reporting.markup import Markup
from careplan.reporting.pages import Footer

TODAY = date(2025, 3, 5)
HOSTILE = "<b>bold</b> & <script>alert(1)</script> a < b > c &amp; &lt;"
WORLD = "Łukasz Żółć, Ελένη Παπαδοπούλου, Дмитрий Иванов, 😀 ☺ ✓"
HEBREW, ARABIC = "שרה כהן", "مرحبا بكم"
LONG_WORD = "x" * 150 + "Y" * 150


# --- building plain domain data ------------------------------------------------------------

def patient(name: str = "Margaret O'Brien") -> Patient:
    return Patient(
        mrn="MRN-1042", full_name=name, date_of_birth=date(1951, 6, 14),
        caregivers=[Caregiver("Tom O'Brien", "Son", "07700 900123"), Caregiver("Ana Lima", "Home-care aide", "")],
        care_team=[TeamMember("Dr Priya Shah", Role.NEUROLOGIST, "020 7946 0001"),
                   TeamMember("Kate Dunn", Role.SPECIALIST_NURSE, "020 7946 0002")],
    )


def item(code: str, discipline: Discipline, title: str, **kw: object) -> PlanItem:
    base: dict[str, object] = dict(
        caregiver_instructions=f"Help with {title.lower()}. Stop if it hurts and tell the nurse.",
        frequency="Weekly", uid=code)
    base.update(kw)
    return PlanItem(catalogue_code=code, discipline=discipline, title=title, **base)  # type: ignore[arg-type]


def sample_items() -> tuple[PlanItem, ...]:
    return (
        item("PT1", Discipline.PHYSIOTHERAPY, "Stretching exercises", frequency="Daily",
             responsible="Tom (son)", goal="Keep the joints moving freely."),
        item("OT1", Discipline.OCCUPATIONAL_THERAPY, "Safe transfers from bed to chair", frequency="When needed"),
        item("SP1", Discipline.SPEECH, "Alphabet board", frequency="Twice a day"),
        item("NU1", Discipline.NUTRITION, "Weigh once a week", frequency="Weekly", responsible="Ana"),
        item("RE1", Discipline.RESPIRATORY, "Breathing check at night", frequency="Every night"),
        item("ME1", Discipline.MEDICATION, "Riluzole", frequency="Twice a day",
             caregiver_instructions="50 mg twice daily with water"),
        item("PS1", Discipline.PSYCHOSOCIAL, "Carer support group", frequency="Monthly"),
        item("PA1", Discipline.PALLIATIVE, "Talk about future wishes", frequency="Once"),
        item("SU1", Discipline.SUPPLEMENT, "Vitamin E", frequency="Daily"),
        item("RE2", Discipline.RESPIRATORY, "Night-time breathing machine (NIV)", status=ItemStatus.DECLINED),
        item("PT2", Discipline.PHYSIOTHERAPY, "Walking practice outdoors", status=ItemStatus.STOPPED),
    )


def revision(number: int, content: PlanContent) -> Revision:
    return Revision(number=number, created_at=datetime(2025, 3, 4, 10, 30, tzinfo=UTC), author="Kate Dunn",
                    reason="Review", content=content)


def content(items: tuple[PlanItem, ...] = (), goals: tuple[str, ...] = ("Stay safe at home",)) -> PlanContent:
    return PlanContent(status=PlanStatus.ACTIVE, start_date=date(2025, 1, 10), next_review=date(2025, 6, 2),
                       goals=tuple(Goal(g) for g in goals), items=items)


def printable(items: tuple[PlanItem, ...] | None = None, *, number: int = 1, previous: PlanContent | None = None,
              name: str = "Margaret O'Brien", **kw: object) -> PrintablePlan:
    now = content(sample_items() if items is None else items)
    changes = diff_contents(previous, now) if previous is not None else None
    return PrintablePlan(patient=patient(name), revision=revision(number, now), changes=changes,
                         generated_on=TODAY, clinic_name="North Hill ALS Clinic", **kw)  # type: ignore[arg-type]


# --- reading the PDF back --------------------------------------------------------------------

def export(tmp_path: Path, plan: PrintablePlan, name: str = "plan.pdf", **options: object):
    result = write_plan_pdf(plan, tmp_path / name, PdfOptions(**options))  # type: ignore[arg-type]
    return result, pymupdf.open(result.path)


def page_texts(doc: pymupdf.Document) -> list[str]:
    return [p.get_text() for p in doc]


def body_text(doc: pymupdf.Document, large: bool = False) -> str:
    """All pages' text without footers and "continued" labels, so a paragraph that runs across
    pages reads whole."""
    from careplan.reporting.styles import styles_for

    s = styles_for(large).sizes
    return flat("\n".join(p.get_text(clip=pymupdf.Rect(0, s.top_margin, p.rect.width, p.rect.height - s.bottom_margin))
                           for p in doc))


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces: wrapping is not content."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def spans(doc: pymupdf.Document):
    for page in doc:
        for block in page.get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                for span in line["spans"]:
                    if span["text"].strip():
                        yield page, span


def in_order(text: str, needles: list[str]) -> bool:
    pos = 0
    for n in needles:
        pos = text.find(n, pos)
        if pos < 0:
            return False
        pos += len(n)
    return True


# One heading per discipline put a heading over nearly every item: the items print under a few.
HEADINGS = ["Who to call", "Goals of this plan", "Everyday care", "Medicines", "Supplements",
            "Support and planning ahead", "Offered but declined, or stopped", "Daily checklist"]


# --- tests -----------------------------------------------------------------------------------

def test_sections_come_in_order_and_every_page_is_numbered(tmp_path: Path) -> None:
    result, doc = export(tmp_path, printable())
    texts = page_texts(doc)
    whole = flat("\n".join(texts))
    assert result.pages == doc.page_count >= 2
    assert in_order(whole, ["Care plan for Margaret O'Brien", "Care plan, revision 1 of 4 March 2025",
                            "Date of birth: 14 June 1951", "MRN-1042", "Next review: 2 June 2025", *HEADINGS])
    for i, text in enumerate(texts, start=1):
        assert f"Page {i} of {doc.page_count}" in text
        assert "Revision 1" in text
    assert flat("\n".join(texts)).count("does not replace the advice of your care team") == 1  # once, not per page
    assert "What changed since the last version" not in whole
    assert "What changed in this version This is the first version of the plan." in whole
    # The sample's riluzole instructions carry a dose, which is the only thing to warn about.
    assert len(result.warnings) == 1 and "Riluzole" in result.warnings[0]


def test_items_show_how_often_who_helps_and_goal_but_never_doses(tmp_path: Path) -> None:
    _, doc = export(tmp_path, printable())
    whole = flat("\n".join(page_texts(doc)))
    # What to do now, how often and who helps come before the instructions.
    # (Who helps ends the instructions when it would wrap after how often.)
    assert in_order(whole, ["Stretching exercises: Start this. How often: Daily", "Help with stretching exercises.",
                            "Goal: Keep the joints moving freely."])
    assert "Who helps: Tom O'Brien (Son)" in whole[whole.index("Stretching exercises: "):whole.index("Goal: Keep")]
    assert in_order(whole, ["Riluzole", "Give as your doctor prescribed."])
    assert "50 mg" not in whole
    assert in_order(whole, ["Safe transfers from bed to chair", "Who helps: ____"])


@pytest.mark.parametrize("large", [False, True])
def test_who_helps_ends_the_instructions_when_it_would_wrap_after_how_often(tmp_path: Path, large: bool) -> None:
    helper = "Dr. Annabel Worthington-Smythe (daughter-in-law, lives nearby)"
    items = (item("PT9", Discipline.PHYSIOTHERAPY, "Stretching exercises", frequency="Several times a week",
                  responsible=helper, caregiver_instructions="Stretch slowly."),
             item("PT8", Discipline.PHYSIOTHERAPY, "Walk", frequency="Daily", responsible="Bo",
                  caregiver_instructions="Walk a little."))
    _, doc = export(tmp_path, printable(items), large_print=large)
    whole = flat("\n".join(page_texts(doc)))
    # Never dropped: after the instructions instead of on a line of its own under "How often".
    assert in_order(whole, ["Stretching exercises: Start this. How often: Several times a week",
                            f"Stretch slowly. Who helps: {helper}.", "Walk:"])
    # And on that line when it fits there.
    assert in_order(whole, ["Walk: Start this. How often: Daily · Who helps: Bo", "Walk a little."])


def test_medicine_safety_advice_prints_but_a_typed_dose_is_left_to_the_prescription(tmp_path: Path) -> None:
    advice = "Do not stop it without talking to the team. Call the team if the person gets a fever."
    meds = (
        item("ME1", Discipline.MEDICATION, "Riluzole", caregiver_instructions=advice),
        item("ME2", Discipline.MEDICATION, "Baclofen", caregiver_instructions="Give 2 tablets at night."),
    )
    result, doc = export(tmp_path, printable(meds))
    whole = flat("\n".join(page_texts(doc)))
    assert in_order(whole, ["Riluzole", "Give as your doctor prescribed.", flat(advice)])
    assert in_order(whole, ["Baclofen", "Give as your doctor prescribed."])
    assert "2 tablets" not in whole
    assert any("Baclofen" in w and "mention a dose" in w for w in result.warnings)
    assert not any("Riluzole" in w for w in result.warnings)


def test_declined_and_stopped_items_are_listed_apart(tmp_path: Path) -> None:
    _, doc = export(tmp_path, printable())
    whole = flat("\n".join(page_texts(doc)))
    aside = whole[whole.index("Offered but declined, or stopped"):whole.index("Daily checklist")]
    # One line per kind, the action first.
    assert "You said no to this: Night-time breathing machine (NIV). Tell us if you change your mind." in aside
    assert "Stopped: do not do this: Walking practice outdoors." in aside
    before = whole[:whole.index("Offered but declined, or stopped")]
    assert "Night-time breathing machine" not in before and "Walking practice outdoors" not in before


def test_daily_checklist_comes_last_on_the_last_page_with_the_daily_items(tmp_path: Path) -> None:
    _, doc = export(tmp_path, printable())
    page = flat(page_texts(doc)[-1])
    # Under the last list when all of it fits there (tests/test_pdf_checklist_place.py), else on a
    # page of its own: either way, the last page is the week's checklist to copy.
    last = page[page.index("Daily checklist"):]
    assert in_order(last, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    for title in ("Stretching exercises", "Alphabet board", "Breathing check at night", "Riluzole", "Vitamin E"):
        assert title in last
    for title in ("Weigh once a week", "Carer support group", "Safe transfers"):
        assert title not in last
    # Twice a day gets two boxes per day, once a day one: 7 * (1 + 2 + 1 + 2 + 1) boxes.
    assert last.count("☐") == 7 * 7
    assert "Daily checklist" not in flat("\n".join(page_texts(doc)[:-1]))


def test_revision_two_says_what_changed_in_plain_words(tmp_path: Path) -> None:
    old = content(sample_items(), goals=("Stay safe at home", "Walk to the shops"))
    items = list(sample_items())
    items[0] = replace(items[0], frequency="Twice a day", caregiver_instructions="New words")
    items[1] = replace(items[1], notes="internal note only")  # not printed, so not reported
    items = [i for i in items if i.uid != "PS1"]
    items.append(item("NU2", Discipline.NUTRITION, "Thickened drinks", frequency="Three times a day"))
    now_goals = ("Stay safe at home", "Keep eating well")
    plan = printable(tuple(items), number=2, previous=old)
    new_content = replace(plan.revision.content, goals=tuple(Goal(g) for g in now_goals),
                          next_review=date(2025, 5, 20))
    plan = replace(plan, revision=replace(plan.revision, content=new_content),
                   changes=diff_contents(old, new_content))
    _, doc = export(tmp_path, plan)
    whole = flat("\n".join(page_texts(doc)))
    goals_at = whole.index("Goals of this plan")
    section = whole[whole.rindex("What changed since the last version", 0, goals_at):goals_at]
    assert in_order(whole, ["Who to call", "What changed since the last version", "Goals of this plan"])
    # One bullet per kind of change, the kind first, pointing to the heading the item prints under
    # (a heading the printout has: not the discipline's); what was taken out prints nowhere else.
    assert "• New in the plan: Thickened drinks (Everyday care)." in section
    assert "• Taken out of the plan: Carer support group." in section
    assert "Changed: Stretching exercises (Everyday care): Do this twice a day" in section
    assert "Do this twice a day from now on (it was daily)." in section
    assert "The instructions have changed" in section
    assert "Safe transfers" not in section
    assert "New goal: Keep eating well" in section and "No longer a goal: Walk to the shops" in section
    assert "The next review moved from 2 June 2025 to 20 May 2025." in section
    assert "Revision 2" in page_texts(doc)[0] and "revision 2 of 4 March 2025" in whole


def test_items_added_at_once_share_one_line_naming_where_each_prints(tmp_path: Path) -> None:
    # A guideline prompt accepted adds several items in one revision: one bullet, grouped by the
    # heading each prints under, in the order they print.
    added = (item("nut_weight_check", Discipline.NUTRITION, "Weigh at every visit"),
             item("NEW1", Discipline.RESPIRATORY, "Cough machine"),
             item("NEW2", Discipline.SPEECH, "Voice banking"))
    old = content(sample_items())
    _, doc = export(tmp_path, printable(sample_items() + added, number=2, previous=old))
    whole = flat("\n".join(page_texts(doc)))
    goals_at = whole.index("Goals of this plan")
    section = whole[whole.rindex("What changed since the last version", 0, goals_at):goals_at]
    assert ("• New in the plan: Weigh at every visit (At clinic visits); Cough machine and Voice banking "
            "(Everyday care).") in section
    assert section.count("•") == 1
    for title in ("Weigh at every visit", "Cough machine", "Voice banking"):  # each marked where it prints
        assert in_order(whole[goals_at:], [title, "New in this version"])


def test_hostile_and_international_text_reads_back_as_typed(tmp_path: Path) -> None:
    instructions = f"{HOSTILE}\n{WORLD}\nLine three\twith a tab\r\nand Windows line ends"
    items = (item("X1", Discipline.PHYSIOTHERAPY, f"Title {HOSTILE}", caregiver_instructions=instructions,
                  responsible=WORLD, frequency="Daily"),)
    result, doc = export(tmp_path, printable(items, name="Łukasz Żółć"))
    whole = flat("\n".join(page_texts(doc)))
    assert flat(f"Title {HOSTILE}") in whole
    assert flat(instructions) in whole
    assert flat(f"Who helps: {WORLD}") in whole
    assert "Care plan for Łukasz Żółć" in whole
    assert result.warnings == []


def test_right_to_left_text_prints_in_reading_order_without_a_warning(tmp_path: Path) -> None:
    items = (item("R", Discipline.SPEECH, "Greeting card", caregiver_instructions=f"Say {ARABIC} to {HEBREW}"),)
    result, doc = export(tmp_path, printable(items))
    # Drawn right to left (bidi_lines.py); readers put it back in typing order. Where a space beside
    # a right-to-left run lands is up to the reader, so spaces are left out of the comparison, and
    # so are the invisible direction marks the printout adds.
    whole = "".join(ch for ch in "".join(page_texts(doc)) if not ch.isspace() and unicodedata.category(ch) != "Cf")
    assert "".join(f"Say {ARABIC} to {HEBREW}".split()) in whole
    assert result.warnings == []


def test_without_the_shaping_packages_right_to_left_text_prints_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("careplan.reporting.shaping.SHAPING_AVAILABLE", False)
    monkeypatch.setattr("careplan.reporting.pdf.SHAPING_AVAILABLE", False)
    items = (item("R", Discipline.SPEECH, "Greeting card", caregiver_instructions=f"Say {ARABIC} to {HEBREW}"),)
    result, doc = export(tmp_path, printable(items))
    assert len(result.warnings) == 1 and "right to left" in result.warnings[0]
    assert flat(f"Say {ARABIC}") in flat("".join(page_texts(doc))) or ARABIC[::-1] in "".join(page_texts(doc))


def test_every_font_is_embedded_dejavu(tmp_path: Path) -> None:
    _, doc = export(tmp_path, printable(name="Ελένη Дмитрий"))
    fonts = {f[3] for page in doc for f in page.get_fonts()}
    assert fonts and all("DejaVuSans" in f for f in fonts), fonts
    for page in doc:
        for xref, ext, *_ in page.get_fonts():
            assert ext == "ttf" and doc.extract_font(xref)[3], "font not embedded"


@pytest.mark.parametrize(("large", "body_min", "footer_min"), [(False, 12, 12), (True, 18, 18)])
def test_type_is_large_enough(tmp_path: Path, large: bool, body_min: float, footer_min: float) -> None:
    _, doc = export(tmp_path, printable(), large_print=large)
    from careplan.reporting.styles import styles_for

    footer_top = Footer(printable(), styles_for(large), Markup(font_book()), 595).bottom_margin
    for page, span in spans(doc):
        in_footer = span["bbox"][1] > page.rect.height - footer_top
        assert span["size"] >= (footer_min if in_footer else body_min) - 0.01, span["text"]
    headings = [s for _, s in spans(doc) if s["text"].strip() == "Who to call first"]
    assert headings and headings[0]["size"] >= (24 if large else 14)


def test_large_print_takes_more_pages(tmp_path: Path) -> None:
    normal, _ = export(tmp_path, printable(), "a.pdf")
    large, _ = export(tmp_path, printable(), "b.pdf", large_print=True)
    assert large.pages > normal.pages


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792)), ("Letter", (612, 792))])
def test_paper_size(tmp_path: Path, paper: str, size: tuple[int, int]) -> None:
    _, doc = export(tmp_path, printable(), paper=paper)
    assert all((round(p.rect.width), round(p.rect.height)) == size for p in doc)
    # Large print turns only the checklist sideways, so its day columns stay wide enough.
    _, big = export(tmp_path, printable(), "large.pdf", paper=paper, large_print=True)
    sizes = [(round(p.rect.width), round(p.rect.height)) for p in big]
    turned = [i for i, s in enumerate(sizes) if s == size[::-1]]
    assert turned and all("Daily checklist" in big[i].get_text() or "Mon" in big[i].get_text() for i in turned)
    assert all(s == size for i, s in enumerate(sizes) if i not in turned)
    assert turned[-1] == len(sizes) - 1


def test_unknown_paper_size_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PdfExportError, match="A3.*A4 or Letter"):
        PdfOptions(paper="A3")


def test_a_300_character_word_wraps_and_is_complete(tmp_path: Path) -> None:
    items = (item("L1", Discipline.SPEECH, "Long word", caregiver_instructions=f"Start {LONG_WORD} end"),)
    _, doc = export(tmp_path, printable(items))
    whole = "\n".join(page_texts(doc))
    assert "".join(whole.split()).count(LONG_WORD) == 1
    for page, span in spans(doc):
        assert span["bbox"][2] <= page.rect.width - 30, "text runs off the page"


def test_a_huge_item_and_a_200_item_plan_still_print(tmp_path: Path) -> None:
    sentence = "Move each finger gently, one at a time, and rest between them. "
    huge = (sentence * 80)[:5000]
    many = tuple(item(f"I{n}", list(Discipline)[n % 9], f"Item number {n}", frequency="Daily" if n % 3 else "Weekly")
                 for n in range(200))
    result, doc = export(tmp_path, printable((item("H", Discipline.PHYSIOTHERAPY, "Hand care",
                                                   caregiver_instructions=huge),) + many))
    whole = body_text(doc)
    assert flat(huge) in whole
    assert all(f"Item number {n}" in whole for n in range(200))
    assert result.pages > 20
    texts = page_texts(doc)
    assert all(f"Page {i} of {result.pages}" in t for i, t in enumerate(texts, 1))
    # The checklist runs over several pages and repeats its day row on each.
    checklist_pages = [t for t in texts if "Item number 1\nDaily" in t or ("Mon" in t and "☐" in t)]
    assert len(checklist_pages) >= 2 and all("Mon" in t for t in checklist_pages)
    # ... and says so, instead of "use a new copy of this page".
    said = re.search(r"Use a new copy of all (\d+) pages of this checklist", flat("\n".join(texts)))
    assert said and int(said.group(1)) == len(checklist_pages)
    # Each page but the last says at its foot that the checklist goes on.
    assert all("Continued over the page" in t for t in checklist_pages[:-1])
    assert "Continued over the page" not in checklist_pages[-1]


def test_a_short_checklist_fits_one_page_and_says_so(tmp_path: Path) -> None:
    _, doc = export(tmp_path, printable())
    texts = page_texts(doc)
    assert flat(texts[-1]).count("Daily checklist") == 1 and "Use a new copy of this page each week." in flat(texts[-1])
    # Medicines come first in the checklist, whatever their frequency says.
    last = flat(texts[-1])
    last = last[last.index("Daily checklist"):]
    assert last.index("Riluzole") < last.index("Stretching exercises")


def test_an_item_longer_than_a_page_flows_instead_of_leaving_a_gap(tmp_path: Path) -> None:
    huge = ("Keep the chair steady and count to ten before standing. " * 400).strip()
    items = (item("A", Discipline.PHYSIOTHERAPY, "Short first item"),
             item("B", Discipline.PHYSIOTHERAPY, "Very long item", caregiver_instructions=huge))
    plan = printable(items)
    plan = replace(plan, patient=replace(plan.patient, caregivers=[]))  # leaves room on page 1
    _, doc = export(tmp_path, plan)
    # Starts right under the item before it, its title and first lines together, no blank page
    # (page 1 is "At a glance"; the items follow it).
    first = flat(next(t for t in page_texts(doc) if "Short first item" in t))
    assert in_order(first, ["Everyday care", "Short first item", "Very long item", "Keep the chair steady"])
    assert flat(huge) in body_text(doc)


def test_a_section_that_runs_onto_a_new_page_says_continued(tmp_path: Path) -> None:
    many = tuple(item(f"P{n}", Discipline.PHYSIOTHERAPY, f"Exercise {n}") for n in range(12))
    _, doc = export(tmp_path, printable(many + (item("S", Discipline.PSYCHOSOCIAL, "Carer support"),)))
    start = next(n for n, p in enumerate(doc) if "Exercise 0" in p.get_text())
    assert "continued" not in doc[start].get_text()
    label = doc[start + 1].search_for("Everyday care, continued")
    assert len(label) == 1
    tops = [b[1] for b in doc[start + 1].get_text("blocks") if "continued" not in b[4]]
    assert label[0].y1 <= min(tops), "the label heads the page"
    # A short section never continues, and no page has two labels.
    whole = "".join(page_texts(doc))
    assert "Support and planning ahead, continued" not in whole
    assert all(p.get_text().count("continued") <= 1 for p in doc)


def test_an_empty_plan_gets_a_friendly_page(tmp_path: Path) -> None:
    result, doc = export(tmp_path, printable(()))
    whole = flat("\n".join(page_texts(doc)))
    assert result.pages <= 2  # page 1 "At a glance", then the team and the friendly words
    assert in_order(whole, ["Who to call", "Dr Priya Shah", "020 7946 0001", "There is nothing to do in this plan yet",
                            "call one of the people"])
    assert "Daily checklist" not in whole and "Offered but declined" not in whole


def test_no_contacts_says_to_ask_the_clinic(tmp_path: Path) -> None:
    plan = printable(())
    plan = replace(plan, patient=replace(plan.patient, caregivers=[], care_team=[]))
    _, doc = export(tmp_path, plan)
    whole = flat("\n".join(page_texts(doc)))
    assert "No one in this plan is named to help yet: ask the clinic who to call" in whole
    assert "No clinic number is set" in whole and "call the clinic." in whole


def test_metadata_is_set(tmp_path: Path) -> None:
    import careplan

    _, doc = export(tmp_path, printable(number=3, previous=content()))
    meta = doc.metadata
    assert meta["title"] == "Care plan for Margaret O'Brien, revision 3"
    assert meta["creator"] == f"CarePlan {careplan.__version__}"
    assert meta["author"] == "North Hill ALS Clinic"
    assert "caregivers" in meta["subject"]


def test_file_is_private_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    result, _ = export(tmp_path, printable())
    if os.name == "posix":
        assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.pdf"]


def test_overwrites_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "plan.pdf"
    target.write_bytes(b"old contents")
    write_plan_pdf(printable(), target)
    assert target.read_bytes().startswith(b"%PDF") and pymupdf.open(target).page_count >= 2


@pytest.mark.parametrize("where", ["missing/out.pdf", "file.txt/out.pdf", "."])
def test_unwritable_path_names_the_path_and_leaves_nothing(tmp_path: Path, where: str) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    target = tmp_path / where
    with pytest.raises(PdfExportError) as err:
        write_plan_pdf(printable(), target)
    assert str(target) in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_crash_while_writing_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("careplan.atomic_file.os.replace", broken)
    with pytest.raises(PdfExportError, match="No space left"):
        write_plan_pdf(printable(), tmp_path / "plan.pdf")
    assert list(tmp_path.iterdir()) == []


def test_progress_goes_from_0_to_100(tmp_path: Path) -> None:
    seen: list[int] = []
    write_plan_pdf(printable(), tmp_path / "p.pdf", progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 100 and seen == sorted(seen) and len(seen) > 3


# --- characters outside DejaVu Sans ------------------------------------------------------------

MATH_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf")
NO_FONT_HAS = "\U000f0000"  # private use: no font ships it


def test_characters_no_font_has_are_named_in_warnings(tmp_path: Path) -> None:
    from careplan.reporting.fonts import font_book

    # Chinese when no installed font has it (as on a bare Linux box), else a private-use character.
    missing = [c for c in ("漢", NO_FONT_HAS) if font_book().fallback_for(c) is None]
    text = "Card says " + " and ".join(missing) + " here\u3000ok"
    items = (item("C", Discipline.SPEECH, "Signs", caregiver_instructions=text),)
    result, doc = export(tmp_path, printable(items))
    assert len(result.warnings) == 1
    assert "cannot be shown by any installed font" in result.warnings[0]
    for c in missing:
        assert f"{c} (U+{ord(c):04X})" in result.warnings[0]
    assert "U+3000" not in result.warnings[0]  # an unusual space prints as a space
    assert "Card says" in body_text(doc) and "here ok" in body_text(doc)


@pytest.mark.skipif(not MATH_FONT.exists(), reason="needs the DejaVu Math font installed")
@pytest.mark.parametrize("use_fc_list", [True, False])
def test_an_installed_font_draws_what_dejavu_sans_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       use_fc_list: bool) -> None:
    if use_fc_list and not shutil.which("fc-list"):
        pytest.skip("no fontconfig")
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    shutil.copy(MATH_FONT, fonts_dir / "SomeMath.ttf")
    book = FontBook(search_dirs=[fonts_dir], use_fc_list=use_fc_list)
    monkeypatch.setattr("careplan.reporting.pdf.font_book", lambda: book)
    script_a = "\U0001d49c"  # MATHEMATICAL SCRIPT CAPITAL A: not in DejaVu Sans
    assert script_a not in book.regular_chars
    assert book.missing([f"a{script_a}{NO_FONT_HAS}"]) == [NO_FONT_HAS]
    items = (item("M", Discipline.SPEECH, f"Bold {script_a}", caregiver_instructions=f"Plain {script_a} text"),)
    result, doc = export(tmp_path, printable(items))
    whole = flat("\n".join(page_texts(doc)))
    assert f"Bold {script_a}" in whole and f"Plain {script_a} text" in whole
    used = {s["font"] for _, s in spans(doc) if script_a in s["text"]}
    assert used and all("Math" in f for f in used)
    assert result.warnings == []


def test_missing_glyphs_ignores_what_dejavu_has_and_invisible_marks() -> None:
    from careplan.reporting import missing_glyphs

    assert missing_glyphs(["Łukasz Ελένη Дмитрий 😀 שלום", "zero\u200bwidth\u200d", "\n\t"]) == []
    assert missing_glyphs([f"a{NO_FONT_HAS}b{NO_FONT_HAS}"]) == [NO_FONT_HAS]


def test_importing_the_package_does_not_load_reportlab() -> None:
    code = "import sys, careplan.reporting as r; r.PdfOptions(); print('reportlab' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_revision_date_is_the_local_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(__import__("time"), "tzset"):
        pytest.skip("needs time.tzset")
    import time

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        plan = printable()
        late = replace(plan.revision, created_at=datetime(2025, 3, 4, 20, 0, tzinfo=UTC))  # 5 March in Auckland
        _, doc = export(tmp_path, replace(plan, revision=late))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert re.search(r"revision 1 of 5 March 2025", flat(page_texts(doc)[0]))


def test_phone_numbers_never_break_across_lines(tmp_path: Path) -> None:
    long_number = "+44 (0)20 7946 0000 extension 1234 then press 5"
    team = [TeamMember(f"Member {i}", Role.PHYSIOTHERAPIST, "+44 20 7946 0000") for i in range(3)]
    team.append(TeamMember("Switchboard", Role.OTHER, long_number))
    plan = printable()
    plan = replace(plan, patient=replace(plan.patient, care_team=team))
    for paper in ("a4", "letter"):
        _, doc = export(tmp_path, plan, name=f"{paper}.pdf", large_print=True, paper=paper)
        lines = [line.replace("\xa0", " ").strip() for page in doc for line in page.get_text().splitlines()]
        assert lines.count("+44 20 7946 0000") == 3, paper
        # Too long for one line: it breaks between groups, never inside one.
        start = next(i for i, line in enumerate(lines) if line.startswith("+44 (0)20"))
        joined = " ".join(lines[start:start + 4])
        assert long_number in joined, paper
        assert all(part in long_number.split() for line in lines[start:start + 3] for part in line.split()), paper


def test_labelled_lines_print_exactly_as_the_two_font_paragraph(tmp_path: Path) -> None:
    """Labelled draws its one-line case itself (for speed): every glyph must land where
    ReportLab's Paragraph puts it, and every other case must be that Paragraph."""
    from reportlab.platypus import SimpleDocTemplate

    from careplan.reporting.flowables import Labelled, Para
    from careplan.reporting.fonts import font_book
    from careplan.reporting.markup import Markup
    from careplan.reporting.styles import styles_for

    m = Markup(font_book())
    values = ["Daily", "Twice a day & at night", "<b>not bold</b> R&amp;D", "Kinésithérapeute Müller",
              "Daily  with  gaps", "Morning\nand evening", "😀 every day", "", "word " * 12, "word " * 40,
              *("W" * n for n in range(60, 70))]  # around the end of the line

    def glyphs(flowables: list) -> list[tuple]:
        out = tmp_path / "labelled.pdf"
        SimpleDocTemplate(str(out)).build(flowables)
        with pymupdf.open(out) as doc:
            return [(n, span["font"], round(span["size"], 2), ch["c"], round(ch["origin"][0], 2),
                     round(ch["origin"][1], 2))
                    for n, page in enumerate(doc) for block in page.get_text("rawdict")["blocks"]
                    for line in block.get("lines", []) for span in line["spans"] for ch in span["chars"]]

    for large in (False, True):
        body = styles_for(large).body
        ours = [Labelled("How often:", m(v), body) for v in values]
        assert glyphs(list(ours)) == glyphs([Para(f"<b>How often:</b> {m(v)}", body) for v in values])
        assert any(line._para is None for line in ours) and any(line._para is not None for line in ours)
