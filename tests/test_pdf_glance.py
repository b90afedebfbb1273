"""Page 1 'At a glance' holds who to call, when to get help and what changed, whatever the plan
holds, in both sizes and on both papers; every page names the patient and the version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pymupdf
import pytest

from careplan.domain.clinic import ClinicSettings
from careplan.domain.diff import diff_contents
from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import ItemStatus, PlanContent, PlanItem, PlanStatus, Revision
from careplan.domain.team import Role
from careplan.reporting import PdfOptions, PrintablePlan, write_plan_pdf
from careplan.reporting.contacts import helpers_for, match
from careplan.reporting.model import Replacement

SECTIONS = ["Care plan for", "Who to call first", "When to get help now", "What changed in this version"]
LONG_NAME = ("Maria-Fernanda Alexandrina Catalina de los Ángeles Wójcik-Papadopoulou & <b>Son</b> 😀 " * 3)[:200]
DISCIPLINES = list(Discipline)


def flat(text: str) -> str:
    return " ".join(text.split())


def plan_with(patient: Patient, items: tuple[PlanItem, ...], status: PlanStatus = PlanStatus.ACTIVE,
              clinic: ClinicSettings | None = None, before: tuple[PlanItem, ...] = ()) -> PrintablePlan:
    content = PlanContent(status=status, start_date=date(2025, 1, 1), next_review=date(2025, 6, 2), items=items)
    rev = Revision(number=2, created_at=datetime(2025, 3, 4, 10, 0, tzinfo=UTC), content=content, author="Nurse",
                   reason="Review")
    return PrintablePlan(patient=patient, revision=rev, changes=diff_contents(replace(content, items=before), content),
                         generated_on=date(2025, 3, 5), clinic=clinic or ClinicSettings())


def many_items(n: int, note: str = "") -> tuple[PlanItem, ...]:
    roles = [r.label for r in Role]
    return tuple(PlanItem(catalogue_code=f"X{i}", uid=f"X{i}", discipline=DISCIPLINES[i % len(DISCIPLINES)],
                          title=f"Item {i} <b>&amp;</b> 😀", caregiver_instructions=note or f"Do thing {i}.",
                          frequency="Daily", responsible=roles[i % len(roles)], status=ItemStatus.ACTIVE)
                 for i in range(n))


def big_team() -> list[TeamMember]:
    return [TeamMember(f"Person {i} with a rather long name", role, f"020 7946 {i:04d}" if i % 2 else "")
            for i, role in enumerate(Role)]


def page_one(path: Path) -> tuple[str, int, list[str]]:
    with pymupdf.open(path) as doc:
        texts = [flat(p.get_text()) for p in doc]
    return texts[0], len(texts), texts


CASES = {
    "no team, no numbers, forty items, long note": (
        Patient(mrn="M1", full_name="Ann Lee"), many_items(40, "word " * 600)),
    "200-character name with markup and emoji": (
        Patient(mrn="M2", full_name=LONG_NAME, care_team=big_team(),
                caregivers=[Caregiver("Tom & <i>Jerry</i>", "Son", "")]), many_items(12)),
    "ten people on the team": (Patient(mrn="M3", full_name="Bob Stone", care_team=big_team()), many_items(16)),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_page_one_always_holds_the_glance(tmp_path: Path, case: str, large: bool, paper: str) -> None:
    patient, items = CASES[case]
    result = write_plan_pdf(plan_with(patient, items), tmp_path / "p.pdf", PdfOptions(large_print=large, paper=paper))
    first, pages, texts = page_one(result.path)
    pos = 0
    for section in SECTIONS:  # all on page 1, in this order
        pos = first.find(section, pos)
        assert pos >= 0, f"{section!r} is not on page 1 ({case}, large={large}, {paper})"
    assert "Not set" in first or ("No clinic number is set" in first and "No out-of-hours number is set" in first)
    assert "Call an ambulance" in first and "ending their life" in first
    assert_someone_to_call(first, patient)
    if case == "ten people on the team":  # the nurse, not the first in the plan, when only one fits
        assert "Person 1 with a rather long name, Specialist nurse" in first and "020 7946 0001" in first
    # Every page names the patient in full (wrapped, never cut) with the revision and page count.
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {pages}" in text
        assert flat(patient.full_name).replace(" ", "") in text.replace(" ", ""), n


def _letters(text: str) -> str:
    # A narrow cell breaks a long word anywhere, and a reader may move right-to-left letters
    # about: compare the Latin letters and digits, in order.
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def assert_someone_to_call(first: str, patient: Patient) -> None:
    """Page 1 names at least one person on the team with their number, whenever the team has one."""
    callable_ = [t for t in patient.care_team if t.name.strip() and t.phone.strip()]
    # The name's start (a crowded cell cuts a name at 40 characters, and its role with it) and the number.
    shown = [(_letters(t.name)[:12], _letters(t.phone)[:10]) for t in callable_]
    page = _letters(first)
    assert not shown or any(who in page and number in page for who, number in shown), (shown, first[:600])


def test_missing_numbers_are_said_plainly(tmp_path: Path) -> None:
    team = [TeamMember("Sam Hill", Role.PHYSIOTHERAPIST, "")]
    items = (PlanItem(catalogue_code="pt", uid="pt", discipline=Discipline.PHYSIOTHERAPY, title="Stretching",
                      responsible="Physiotherapist", status=ItemStatus.ACTIVE),
             PlanItem(catalogue_code="d", uid="d", discipline=Discipline.NUTRITION, title="Food",
                      responsible="Dietitian", status=ItemStatus.PLANNED))
    clinic = ClinicSettings("Hill Clinic", "020 7946 0100", "0300 555 0199", "1 Road")
    result = write_plan_pdf(plan_with(Patient(mrn="M", full_name="A B", care_team=team), items, clinic=clinic),
                            tmp_path / "p.pdf")
    first, _, texts = page_one(result.path)
    assert "No phone number for the physiotherapist: ask the clinic" in first
    assert "No one is named yet as dietitian" in first
    assert "020 7946 0100" in first and "0300 555 0199" in first and "Hill Clinic" in first
    whole = " ".join(texts)
    # The same name in "Who helps" under the item as in "Who to call first".
    assert "Who helps: Sam Hill, Physiotherapist" in whole and "Sam Hill, Physiotherapist" in first
    assert "Keep doing this." in whole and "Start this." in whole


def test_matching_roles_people_and_family() -> None:
    p = Patient(mrn="M", full_name="A", care_team=[TeamMember("Kate Dunn", Role.SPECIALIST_NURSE, "1")],
                caregivers=[Caregiver("Tom O'Brien", "Son", "2")])
    assert match("Kate Dunn (Specialist nurse)", p).label == "Kate Dunn, Specialist nurse"  # type: ignore[union-attr]
    assert match("specialist NURSE", p).phone == "1"  # type: ignore[union-attr]
    assert match("Tom (son)", p).phone == "2"  # type: ignore[union-attr]
    nobody = match("Dietitian", p)
    assert nobody is not None and not nobody.name and "ask the clinic" in nobody.missing
    assert match("  ", p) is None
    items = [PlanItem(catalogue_code=c, uid=c, discipline=Discipline.SPEECH, title=c, responsible=r)
             for c, r in (("a", "Kate Dunn"), ("b", "Specialist nurse"))]
    helpers, _ = helpers_for(items, p)
    assert len(helpers) == 1 and helpers[0].items == ["a", "b"]


@pytest.mark.parametrize("large", [False, True])
def test_draft_and_old_copies_say_so_on_every_page(tmp_path: Path, large: bool) -> None:
    draft = plan_with(Patient(mrn="M", full_name="A B"), many_items(20), status=PlanStatus.DRAFT)
    old = replace(plan_with(Patient(mrn="M", full_name="A B"), many_items(20)),
                  replaced_by=Replacement(3, datetime(2025, 5, 1, 9, 0, tzinfo=UTC)))
    for plan, words in ((draft, "DRAFT"), (old, "OLD COPY: replaced by revision 3 on 1 May 2025")):
        result = write_plan_pdf(plan, tmp_path / "p.pdf", PdfOptions(large_print=large))
        _, pages, texts = page_one(result.path)
        assert pages > 1 and all(words in t for t in texts), words
