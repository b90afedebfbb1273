"""Stored hostile text survives every way out of the database, on SQLite and PostgreSQL:
`patients --json`, `history --json`, export, import into another database (and export again,
byte for byte), and the printout, whose text is read back from the PDF.

Every text field of a patient, its contacts, its plan (goals, every item field, author and
reason) gets hostile text; a value the validators refuse is replaced by a plain one, since
tests/test_hostile_text.py covers refusals.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pymupdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.cli import main
from careplan.domain.disciplines import Discipline
from careplan.domain.limits import max_length
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanItem, PlanStatus
from careplan.domain.team import Role
from careplan.domain.text import blank, field_problem
from careplan.persistence.engine import Database, open_database
from careplan.services import exchange, patients, plans
from careplan.services.printing import write_printout
from tests.test_hostile_text import REQUIRED, hostile_text

_counter = itertools.count()
MARK = "Qzx"  # plain letters beside the hostile name, to find it in the printout


class Drawer:
    """Draws hostile text a field accepts, or falls back to a plain value."""

    def __init__(self, data: st.DataObject):
        self.data = data

    def __call__(self, key: str, plain: str) -> str:
        value = self.data.draw(hostile_text, label=key)
        if field_problem(key, value) or key in REQUIRED and blank(value) or not value and plain:
            return plain
        return value


def hostile_patient(text: Drawer) -> Patient:
    n = next(_counter)
    name = text("patient.full_name", "Anna")[: max_length("patient.full_name") - 10]
    return Patient(
        mrn=text("patient.mrn", "MRN")[:50] + f"-{n}", full_name=f"{name} {MARK}{n}",
        date_of_birth=date(1950, 1, 1), preferred_language=text("patient.preferred_language", ""),
        notes=text("patient.notes", ""),
        caregivers=[Caregiver(text("caregiver.name", "Sam"), text("caregiver.relationship", ""),
                              text("caregiver.phone", ""), text("caregiver.email", ""))],
        care_team=[TeamMember(text("team_member.name", "Dr Ada"), Role.NEUROLOGIST, text("team_member.phone", ""))],
    )


def hostile_item(text: Drawer, code: str, discipline: Discipline) -> PlanItem:
    fields = {f: text(f"item.{f}", "") for f in ("caregiver_instructions", "clinical_description", "frequency",
                                                 "responsible", "goal", "notes")}
    return PlanItem(uid=text("item.uid", code), catalogue_code=text("item.catalogue_code", code),
                    discipline=discipline, title=text("item.title", "Exercise"), **fields)


def run_cli(capsys: Any, *args: str) -> Any:
    capsys.readouterr()
    status = main(list(args))
    out = capsys.readouterr()
    assert status == 0, out.err
    return json.loads(out.out)


def pdf_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return "\n".join(page.get_text() for page in doc)


@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_text_survives_every_way_out(db: Database, db_url: str, tmp_path: Path, capsys: Any,
                                             data: st.DataObject) -> None:
    text = Drawer(data)
    p = patients.create_patient(db, hostile_patient(text), actor="tester")
    pid = p.id or 0
    items = (hostile_item(text, "h1", Discipline.SPEECH), hostile_item(text, "h2", Discipline.NUTRITION))
    if items[0].key == items[1].key:
        items = (items[0], replace(items[1], uid="h2-own"))
    first = PlanContent(status=PlanStatus.ACTIVE, start_date=date(2026, 1, 5), next_review=date(2026, 4, 6),
                        goals=(Goal(text("plan.goal", "Walk")),), items=items)
    # The second revision changes every printed kind of thing, so "What changed" prints hostile text too.
    second = replace(first, goals=(*first.goals, Goal(text("plan.goal", "Eat"))),
                     items=(replace(items[0], status=ItemStatus.ACTIVE, frequency=text("item.frequency", "Daily")),))
    authors = [text("revision.author", "Nurse"), text("revision.author", "Nurse B")]
    reasons = [text("revision.reason", ""), text("revision.reason", "Review")]
    plans.save_revision(db, pid, base_revision=0, content=first, author=authors[0], reason=reasons[0])
    plans.save_revision(db, pid, base_revision=1, content=second, author=authors[1], reason=reasons[1])
    history = plans.history(db, pid)
    latest = plans.load_plan(db, pid).latest
    assert latest is not None and latest.content == second

    listed = run_cli(capsys, "patients", "--json", "--db", db_url)
    assert [r["name"] for r in listed if r["mrn"] == p.mrn] == [p.full_name]
    revisions = run_cli(capsys, "history", "--json", "--db", db_url, "--", p.mrn)
    assert [(r["author"], r["reason"]) for r in revisions] == [(h.author, h.reason) for h in history]
    assert [(r["author"], r["reason"]) for r in revisions] == [(a.strip(), r.strip()) for a, r in zip(authors, reasons, strict=True)]

    out = tmp_path / f"export-{pid}.json"
    exchange.export_to_file(db, out, [p.mrn], actor="tester")
    other = open_database(f"sqlite:///{tmp_path / f'other-{pid}.sqlite3'}")
    try:
        exchange.import_file(other, out, actor="tester")
        copy = patients.get_patient_by_mrn(other, p.mrn)
        assert replace(copy, id=None, version=0) == replace(patients.get_patient(db, pid), id=None, version=0)
        assert plans.load_plan(other, copy.id or 0).latest == latest
        again = tmp_path / f"again-{pid}.json"
        exchange.export_to_file(other, again, [p.mrn], actor="tester")
        assert json.loads(again.read_bytes())["patients"] == json.loads(out.read_bytes())["patients"]
    finally:
        other.dispose()

    for revision in (1, 2):
        pdf = tmp_path / f"plan-{pid}-{revision}.pdf"
        _, result = write_printout(db, pid, pdf, revision=revision)
        assert result.pages >= 1
        assert f"{MARK}{p.full_name.rsplit(MARK, 1)[1]}" in pdf_text(pdf)
