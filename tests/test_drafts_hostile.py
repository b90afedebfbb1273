"""An autosaved draft keeps exactly what was typed, even text a save would refuse.

A draft is the safety net for unsaved work: NUL, lone surrogates or control characters typed
into an item must come back as typed (the save then names the problem), on both databases.
"""

from __future__ import annotations

from dataclasses import fields

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.disciplines import Discipline
from careplan.domain.plan import Goal, PlanContent, PlanItem
from careplan.persistence.engine import Database
from careplan.services import plans
from careplan.services.patients import NotFoundError, get_patient_by_mrn
from tests.history_builders import make_patient

ITEM_TEXT_FIELDS = [f.name for f in fields(PlanItem) if f.type in ("str", str)]
hostile = st.text(st.characters(codec=None, categories=None), max_size=40) | st.sampled_from(
    ["\x00", "\ud800", "a\udfffb", "\u202eevil", "<b>&amp;</b>", "👩‍👩‍👧", "e\u0301" * 30])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({name: hostile for name in ITEM_TEXT_FIELDS}), goal=hostile)
def test_a_draft_reads_back_exactly_what_was_typed(db: Database, values: dict[str, str], goal: str) -> None:
    try:
        patient = get_patient_by_mrn(db, "D-1")
    except NotFoundError:  # the first example creates the patient; the database lives across examples
        patient = make_patient(db, "D-1")
    item = PlanItem(**{**values, "uid": "u" + values["uid"]}, discipline=Discipline.SPEECH)
    content = PlanContent(goals=(Goal(goal),), items=(item,))
    assert patient.id is not None
    plans.save_draft(db, patient.id, "Nurse A", 0, content)
    draft = plans.load_draft(db, patient.id, "Nurse A")
    assert draft is not None and draft.content == content
