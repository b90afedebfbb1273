"""A patient's course: discharge, death, archive, reinstate; read-only plans; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from careplan.domain.lifecycle import (
    DischargeReason,
    LifecycleError,
    PlanReadOnlyError,
    plan_read_only,
)
from careplan.domain.patient import PatientStatus
from careplan.persistence.engine import Database
from careplan.services import audit, lifecycle, patients, plans
from careplan.services.patients import PatientConflictError
from tests.history_builders import make_patient, plan_with, save_history
from tests.history_fixtures import snapshot


def test_each_change_is_an_audited_event_and_reinstate_returns_to_active(db: Database) -> None:
    p = make_patient(db, "L-1")
    d = lifecycle.discharge(db, p.id or 0, reason=DischargeReason.TRANSFERRED, version=p.version, actor="nurse",
                            on=date(2026, 3, 2))
    assert (d.status, d.status_reason, d.status_date) == (PatientStatus.DISCHARGED, "transferred", date(2026, 3, 2))
    assert plan_read_only(d) == ("Discharged on 2026-03-02 (transferred to another clinic): the plan is read-only. "
                                 "Reinstate to change it.")
    dead = lifecycle.record_death(db, p.id or 0, died_on=date(2026, 4, 1), version=d.version, actor="nurse")
    archived = lifecycle.archive(db, p.id or 0, version=dead.version, actor="nurse")
    assert (archived.status, archived.status_date) == (PatientStatus.ARCHIVED, date(2026, 4, 1))
    back = lifecycle.reinstate(db, p.id or 0, version=archived.version, actor="nurse")
    assert (back.status, back.status_reason, back.status_date) == (PatientStatus.ACTIVE, None, None)
    events = audit.list_events(db, mrn="L-1")
    assert [e.action for e in events] == ["patient.reinstated", "patient.archived", "patient.deceased",
                                          "patient.discharged", "patient.created"]
    assert events[3].details == {"from": "active", "reason": "transferred", "date": "2026-03-02"}
    assert events[2].details == {"from": "discharged", "date": "2026-04-01"}
    assert events[0].details == {"from": "archived"}
    assert patients.get_patient(db, p.id or 0).status is PatientStatus.ACTIVE


def test_stale_version_is_refused_and_nothing_changes(db: Database) -> None:
    p = make_patient(db, "L-2")
    lifecycle.discharge(db, p.id or 0, reason=DischargeReason.MOVED, version=p.version, actor="a")
    before = snapshot(db)
    with pytest.raises(PatientConflictError, match="changed by someone else"):
        lifecycle.record_death(db, p.id or 0, died_on=date(2026, 1, 1), version=p.version, actor="b")
    assert snapshot(db) == before


@pytest.mark.parametrize(("died_on", "words"), [
    (date(1960, 4, 30), "before the date of birth 1960-05-01"),
    (date.today() + timedelta(days=1), "is in the future"),
])
def test_impossible_death_dates_are_refused(db: Database, died_on: date, words: str) -> None:
    p = make_patient(db, "L-3")  # born 1960-05-01
    before = snapshot(db)
    with pytest.raises(LifecycleError, match=words):
        lifecycle.record_death(db, p.id or 0, died_on=died_on, version=p.version, actor="a")
    assert snapshot(db) == before


def test_death_on_the_day_of_birth_and_today_are_accepted(db: Database) -> None:
    p = make_patient(db, "L-4")
    p = lifecycle.record_death(db, p.id or 0, died_on=date(1960, 5, 1), version=p.version, actor="a")
    p = lifecycle.reinstate(db, p.id or 0, version=p.version, actor="a")
    assert lifecycle.record_death(db, p.id or 0, died_on=date.today(), version=p.version, actor="a").status_date == date.today()


def test_changes_that_record_nothing_new_are_refused(db: Database) -> None:
    p = make_patient(db, "L-5")
    with pytest.raises(LifecycleError, match="already active"):
        lifecycle.reinstate(db, p.id or 0, version=p.version, actor="a")
    dead = lifecycle.record_death(db, p.id or 0, died_on=date(2025, 1, 1), version=p.version, actor="a")
    before = snapshot(db)
    with pytest.raises(LifecycleError, match="cannot be discharged"):
        lifecycle.discharge(db, p.id or 0, reason=DischargeReason.MOVED, version=dead.version, actor="a")
    with pytest.raises(LifecycleError, match="already deceased"):
        lifecycle.record_death(db, p.id or 0, died_on=date(2025, 1, 1), version=dead.version, actor="a")
    assert snapshot(db) == before


@pytest.mark.parametrize("end", ["discharge", "death", "archive"])
def test_plan_of_a_patient_out_of_care_is_read_only(db: Database, end: str) -> None:
    p = make_patient(db, "L-6")
    content = save_history(db, p.id or 0, 2)
    plans.save_draft(db, p.id or 0, "Nurse Test", 2, content)
    if end == "discharge":
        lifecycle.discharge(db, p.id or 0, reason=DischargeReason.DECLINED, version=p.version, actor="a",
                            on=date(2026, 5, 4))
        words = "Discharged on 2026-05-04 (declined further care): the plan is read-only"
    elif end == "death":
        lifecycle.record_death(db, p.id or 0, died_on=date(2026, 5, 4), version=p.version, actor="a")
        words = "Died on 2026-05-04: the plan is read-only"
    else:
        lifecycle.archive(db, p.id or 0, version=p.version, actor="a")
        words = "Archived: the plan is read-only"
    before = snapshot(db)
    with pytest.raises(PlanReadOnlyError, match=re.escape(words)):
        plans.save_revision(db, p.id or 0, base_revision=2, content=plan_with(3), author="Nurse Test", reason="more")
    with pytest.raises(PlanReadOnlyError, match="Reinstate to change it"):
        plans.restore_revision(db, p.id or 0, 1, base_revision=2, author="Nurse Test")
    with pytest.raises(PlanReadOnlyError, match=re.escape(words)):
        plans.save_draft(db, p.id or 0, "Nurse Test", 2, plan_with(4))
    assert snapshot(db) == before  # the draft too: not deleted, not changed
    again = patients.get_patient(db, p.id or 0)
    lifecycle.reinstate(db, p.id or 0, version=again.version, actor="a")
    assert plans.save_revision(db, p.id or 0, base_revision=2, content=plan_with(3), author="Nurse Test",
                               reason="back in care").number == 3


def test_default_list_hides_archived_but_search_finds_them(db: Database) -> None:
    a = make_patient(db, "L-A", name="Anna Active")
    b = make_patient(db, "L-B", name="Anna Archived")
    lifecycle.archive(db, b.id or 0, version=b.version, actor="a")
    shown = patients.search_patients(db, statuses=patients.DEFAULT_STATUSES)
    assert [r.mrn for r in shown] == [a.mrn]
    assert patients.count_patients(db, statuses=patients.DEFAULT_STATUSES) == 1
    found = {r.mrn: r.status for r in patients.search_patients(db, "anna")}
    assert found == {"L-A": PatientStatus.ACTIVE, "L-B": PatientStatus.ARCHIVED}


def test_a_save_racing_a_discharge_on_postgresql_waits_and_is_refused(db: Database) -> None:
    """The discharge holds the patient row; the save's FOR SHARE read waits for it, then sees 'discharged'."""
    if db.is_sqlite:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: no two writes overlap")
    import threading

    from sqlalchemy import text

    p = make_patient(db, "L-R")
    save_history(db, p.id or 0, 1)
    outcome: list[BaseException | object] = []

    def save() -> None:
        try:
            outcome.append(plans.save_revision(db, p.id or 0, base_revision=1, content=plan_with(2),
                                               author="Nurse Test", reason="racing"))
        except BaseException as e:  # handed back to the test
            outcome.append(e)

    with db.engine.connect() as other:
        tx = other.begin()
        other.execute(text("UPDATE patients SET status = 'discharged', status_reason = 'moved' WHERE id = :id"),
                      {"id": p.id})
        saver = threading.Thread(target=save)
        saver.start()
        with db.engine.connect() as watch:  # wait until the save is blocked on the patient row
            for _ in range(600):
                waiting = watch.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                             "AND datname = current_database()")).scalar()
                if waiting or not saver.is_alive():
                    break
                threading.Event().wait(0.05)
        tx.commit()
        saver.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], PlanReadOnlyError), outcome
    assert len(plans.history(db, p.id or 0)) == 1
