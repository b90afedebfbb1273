"""Who did it: a name the audit log cannot hold is refused by field, and nothing is written.

Patient edits, catalogue edits, backups and imports record their actor (the CLI's --author or
the login name) without a revision's author check; PostgreSQL refused an over-long one with a
raw DataError after the change itself had been sent.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from careplan.domain.errors import ValidationError
from careplan.domain.limits import max_length
from careplan.domain.patient import Patient
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.patients import (
    NotFoundError,
    create_patient,
    get_patient_by_mrn,
    update_patient,
)
from tests.history_builders import make_patient

BAD_ACTORS = ["x" * (max_length("revision.author") + 1), "Nurse\x00A", "Nurse \ud800"]


@pytest.mark.parametrize("actor", BAD_ACTORS, ids=["too-long", "nul", "lone-surrogate"])
def test_a_bad_actor_is_refused_and_nothing_is_written(db: Database, actor: str) -> None:
    before = len(audit.list_events(db))
    with pytest.raises(ValidationError) as e:
        create_patient(db, Patient(mrn="A-1", full_name="Ann Example"), actor=actor)
    assert e.value.for_field("author")
    with pytest.raises(NotFoundError):
        get_patient_by_mrn(db, "A-1")
    saved = make_patient(db, "A-2")
    with pytest.raises(ValidationError):
        update_patient(db, replace(saved, notes="changed"), actor=actor)
    assert get_patient_by_mrn(db, "A-2").notes == saved.notes
    assert len(audit.list_events(db)) == before + 1  # only make_patient's own event


def test_a_name_at_the_limit_is_recorded_exactly(db: Database) -> None:
    actor = "Ж" * max_length("revision.author")
    create_patient(db, Patient(mrn="A-3", full_name="Ann Example"), actor=actor)
    assert [e.actor for e in audit.list_events(db, mrn="A-3")] == [actor]


@pytest.mark.parametrize("author", ["", "   "])
def test_a_save_without_a_name_is_refused_and_writes_nothing(db: Database, author: str) -> None:
    from careplan.domain.plan import PlanContent
    from careplan.services import plans

    saved = make_patient(db, "A-4")
    assert saved.id is not None
    with pytest.raises(ValidationError) as e:
        plans.save_revision(db, saved.id, base_revision=0, content=PlanContent(), author=author, reason="")
    assert e.value.for_field("author") == "Enter your name before saving: every revision records who made it."
    assert plans.history(db, saved.id) == []
