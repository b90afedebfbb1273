"""Page 1 of the printout under generated bad input (issue 15, "Bad input"): whatever the team, the
numbers, the items, the notes, the name and the clinic details hold (empty, huge, markup, emoji),
page 1 holds who to call first and when to get help now, read back from the PDF, and says plainly
what is missing."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.clinic import ClinicSettings
from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import ItemStatus, PlanItem
from careplan.domain.team import Role
from careplan.reporting import PdfOptions, write_plan_pdf
from careplan.reporting.pdf import count_pages
from tests.test_pdf_glance import assert_someone_to_call, plan_with

# Words, markup, entities, emoji, a right-to-left letter, line breaks: what people paste.
_PIECES = ["Anna", "Dr. Ng", "<b>", "</i>", "&amp;", "&", "😀", "ש", "\n", " ", "O'Brien", "-", "x" * 40]
typed = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)
long_typed = st.one_of(typed, st.integers(0, 3000).map(lambda n: ("note <b>&</b> 😀 " * 200)[:n]))
names = st.one_of(typed, st.integers(150, 200).map(lambda n: ("Maria-Fernanda <b>&</b> 😀 de los Ángeles " * 8)[:n]))
phones = st.sampled_from(["", "", "020 7946 0100", "+44 (0) 7700 900 123 ext. 4567", "<b>999</b>"])
roles = st.sampled_from(list(Role))
team = st.lists(st.builds(TeamMember, typed, roles, phones), max_size=12)
family = st.lists(st.builds(Caregiver, typed, typed, phones), max_size=4)
clinics = st.builds(ClinicSettings, typed, phones, phones, long_typed.map(lambda t: t[:200]))


@st.composite
def items(draw: st.DrawFn) -> tuple[PlanItem, ...]:
    n = draw(st.integers(0, 40))
    who = draw(st.lists(st.one_of(roles.map(lambda r: r.label), typed), min_size=1, max_size=5))
    return tuple(PlanItem(catalogue_code=f"F{i}", uid=f"F{i}", discipline=draw(st.sampled_from(list(Discipline))),
                          title=draw(typed) or f"Item {i}", caregiver_instructions=draw(long_typed),
                          frequency=draw(st.sampled_from(["", "Daily", "Twice a day", "<b>weekly</b>"])),
                          responsible=who[i % len(who)], status=draw(st.sampled_from(list(ItemStatus))))
                 for i in range(n))


def page_one(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return " ".join(doc[0].get_text().split())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=names, care_team=team, caregivers=family, plan_items=items(), clinic=clinics,
       large=st.booleans(), paper=st.sampled_from(["a4", "letter"]))
def test_page_one_holds_who_to_call_and_when_to_get_help(tmp_path: Path, name: str, care_team: list[TeamMember],
                                                         caregivers: list[Caregiver],
                                                         plan_items: tuple[PlanItem, ...], clinic: ClinicSettings,
                                                         large: bool, paper: str) -> None:
    patient = Patient(mrn="FUZZ-1", full_name=name, care_team=care_team, caregivers=caregivers)
    plan, options = plan_with(patient, plan_items, clinic=clinic), PdfOptions(large_print=large, paper=paper)
    result = write_plan_pdf(plan, tmp_path / "p.pdf", options)
    # The length budget counts pages without writing a file (bench/printout_pages.py): the same count.
    assert count_pages(plan, options) == result.pages
    first = page_one(result.path)
    who, when = first.find("Who to call first"), first.find("When to get help now")
    assert 0 <= who < when, first[:300]
    assert "Call an ambulance" in first
    assert_someone_to_call(first, patient)
    # What is missing is said, not left blank.
    if not clinic.phone.strip():
        assert "No clinic number is set" in first or "Not set" in first
    if not clinic.out_of_hours.strip():
        assert "No out-of-hours number is set" in first or "Not set" in first


def test_a_missing_number_names_the_role_and_what_to_do(tmp_path: Path) -> None:
    team = [TeamMember("", Role.PHYSIOTHERAPIST, ""), TeamMember("Sam Hill", Role.DIETITIAN, "")]
    plan_items = (PlanItem(catalogue_code="a", uid="a", discipline=Discipline.PHYSIOTHERAPY, title="Stretching",
                           responsible="Physiotherapist", status=ItemStatus.ACTIVE),
                  PlanItem(catalogue_code="b", uid="b", discipline=Discipline.NUTRITION, title="Food",
                           responsible="Dietitian", status=ItemStatus.ACTIVE))
    result = write_plan_pdf(plan_with(Patient(mrn="M", full_name="A B", care_team=team), plan_items),
                            tmp_path / "p.pdf")
    first = page_one(result.path)
    assert "No one is named yet as physiotherapist: ask the clinic who to call." in first
    assert "Sam Hill, Dietitian, for Food No phone number for the dietitian: ask the clinic." in first
    with pymupdf.open(result.path) as doc:
        whole = " ".join(" ".join(p.get_text() for p in doc).split())
    # The nameless physiotherapist is listed by role, not as ", Physiotherapist".
    assert " , Physiotherapist" not in whole and "Physiotherapist No number written down" in whole
