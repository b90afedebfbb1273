"""Signatures with meaning (issue 16 part 3): saving signs "authored", a clinician adds
"reviewed" or "approved", the database keeps them append-only, and `careplan check` finds a
forged, altered or removed one, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError

from careplan.domain.errors import CarePlanError, ValidationError
from careplan.domain.signature import Meaning, signature_hash
from careplan.persistence.engine import Database, open_database
from careplan.services import audit, plans
from careplan.services.check import check_database
from careplan.services.demo_removal import remove_demo_patients
from careplan.services.signatures import sign, signatures_of
from tests.history_builders import make_patient, plan_with, save_history
from tests.old_schema import at_first_schema
from tests.test_tampering import REV, run, unguarded

COUNTER = itertools.count()
SIG = "(SELECT max(s.id) FROM revision_signatures s WHERE s.revision_id = {})"


def scene(db: Database) -> int:
    pid = make_patient(db, "MRN-S").id or 0
    save_history(db, pid, revisions=2)
    sign(db, pid, 2, Meaning.REVIEWED, printed_name="Dr Rev Iewer", signed_by="rev")
    sign(db, pid, 2, "approved", printed_name="Dr Ap Prover", signed_by="app")
    report = check_database(db)
    assert report.ok, report.problems
    assert report.signatures_checked == 4
    return pid


def test_saving_signs_authored_and_a_clinician_adds_reviewed_and_approved(db: Database) -> None:
    pid = scene(db)
    sigs = signatures_of(db, pid)
    assert [(s.meaning, s.printed_name) for s in sigs[1]] == [(Meaning.AUTHORED, "Nurse Test")]
    assert [s.meaning for s in sigs[2]] == [Meaning.AUTHORED, Meaning.REVIEWED, Meaning.APPROVED]
    approved = sigs[2][2]
    assert (approved.signed_by, approved.printed_name) == ("app", "Dr Ap Prover")
    # §11.50: printed name, date and time, and meaning, all in what is shown.
    shown = approved.shown()
    assert "Approved" in shown and "Dr Ap Prover" in shown
    assert approved.signed_at.astimezone().strftime("%Y-%m-%d %H:%M") in shown
    # The audit log records each: "authored" in the save's own event, the others as events of their own.
    events = audit.list_events(db, mrn="MRN-S")
    signed = {e.entity_key for e in events if e.action == "plan.signed"}
    saved = {e.details.get(audit.SIGNATURE) for e in events if e.action == "plan.saved"}
    assert signed == {s.hash for s in sigs[2][1:]}
    assert saved == {sigs[1][0].hash, sigs[2][0].hash}


def test_bad_signatures_are_refused_and_nothing_is_written(db: Database) -> None:
    pid = scene(db)
    before = signatures_of(db, pid)
    with pytest.raises(CarePlanError, match="reviewed or approved"):
        sign(db, pid, 2, "authored", printed_name="X")
    with pytest.raises(CarePlanError, match="reviewed or approved"):
        sign(db, pid, 2, "<b>ok</b>", printed_name="X")
    with pytest.raises(CarePlanError, match="no revision 9"):
        sign(db, pid, 9, "reviewed", printed_name="X")
    with pytest.raises(ValidationError, match="printed name"):
        sign(db, pid, 2, "reviewed", printed_name="   ")
    with pytest.raises(ValidationError, match="printed name"):
        sign(db, pid, 2, "reviewed", printed_name="x" * 5000)
    with pytest.raises(CarePlanError, match="already signed"):
        sign(db, pid, 2, "reviewed", printed_name="Dr Rev Iewer", signed_by="rev")
    assert signatures_of(db, pid) == before
    assert check_database(db).ok


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=60), login=st.text(min_size=1, max_size=30),
       meaning=st.sampled_from(["reviewed", "approved"]))
def test_any_name_and_login_round_trip_and_check(sqlite_db: Database, name: str, login: str, meaning: str) -> None:
    """Every field a signer gives, generated: stored as given (trimmed) and checked, or refused."""
    pid = make_patient(sqlite_db, f"MRN-{next(COUNTER)}").id or 0
    save_history(sqlite_db, pid, revisions=1)
    try:
        sig = sign(sqlite_db, pid, 1, meaning, printed_name=name, signed_by=login)
    except ValidationError as e:
        # Blank, control characters and the like: refused naming the field, nothing written.
        assert "printed name" in str(e) or "login" in str(e)
        assert len(signatures_of(sqlite_db, pid)[1]) == 1
        return
    assert signatures_of(sqlite_db, pid)[1][-1] == sig
    assert (sig.printed_name, sig.signed_by) == (name.strip(), login.strip())
    report = check_database(sqlite_db)
    assert report.ok, report.problems


def test_the_database_refuses_to_change_or_delete_a_signature(db: Database) -> None:
    scene(db)
    for statement in ("UPDATE revision_signatures SET printed_name = 'Someone else'",
                      "DELETE FROM revision_signatures"):
        with pytest.raises(DBAPIError, match="append-only"):
            run(db, statement)


def test_check_finds_an_altered_signature(db: Database) -> None:
    scene(db)
    unguarded(db, ["revision_signatures"],
              f"UPDATE revision_signatures SET printed_name = 'Dr Someone Else' WHERE id = {SIG.format(REV.format('MRN-S', 2))}")
    problems = check_database(db).problems
    assert any("altered" in p for p in problems), problems


def test_check_finds_the_newest_signature_removed(db: Database) -> None:
    scene(db)
    unguarded(db, ["revision_signatures"], f"DELETE FROM revision_signatures WHERE id = {SIG.format(REV.format('MRN-S', 2))}")
    problems = check_database(db).problems
    assert any("missing" in p for p in problems), problems


def test_check_finds_a_signature_removed_from_the_middle(db: Database) -> None:
    scene(db)
    middle = f"(SELECT min(s.id) + 1 FROM revision_signatures s WHERE s.revision_id = {REV.format('MRN-S', 2)})"
    unguarded(db, ["revision_signatures"], f"DELETE FROM revision_signatures WHERE id = {middle}")
    problems = check_database(db).problems
    assert any("does not link" in p for p in problems), problems


def test_check_finds_a_forged_signature_with_a_correct_hash(db: Database) -> None:
    """A forger who knows the hash recipe links a new "approved" properly; only the audit log knows."""
    pid = scene(db)
    last = signatures_of(db, pid)[2][-1]
    revision_hash = plans.get_revision(db, pid, 2).content_hash
    at = last.signed_at + timedelta(minutes=5)
    h = signature_hash(prev_hash=last.hash, revision_hash=revision_hash, meaning="approved", signed_by="chief",
                       printed_name="Dr Chief", signed_at=at)
    run(db, (f"INSERT INTO revision_signatures (revision_id, meaning, signed_by, printed_name, signed_at, prev_hash, hash) "
             f"VALUES ({REV.format('MRN-S', 2)}, 'approved', 'chief', 'Dr Chief', :at, :p, :h)",
             {"at": at.replace(tzinfo=None), "p": last.hash, "h": h}))
    problems = check_database(db).problems
    assert any("never recorded" in p for p in problems), problems


def test_check_finds_an_authored_signature_removed(db: Database) -> None:
    scene(db)
    first = f"(SELECT min(s.id) FROM revision_signatures s WHERE s.revision_id = {REV.format('MRN-S', 1)})"
    unguarded(db, ["revision_signatures"], f"DELETE FROM revision_signatures WHERE id = {first}")
    problems = check_database(db).problems
    assert any("revision 1" in p and "missing" in p for p in problems), problems


def test_revisions_from_before_signatures_are_not_flagged(tmp_path: Path) -> None:
    """Revisions saved before schema 0009 have no "authored" signature; check accepts that."""
    path = tmp_path / "old.sqlite3"

    def build(db: Database) -> None:
        with mock.patch.object(plans, "validated_signer", return_value=None):  # saved as before 0009
            save_history(db, make_patient(db, "MRN-OLD").id or 0, revisions=2)

    at_first_schema(path, build)
    db = open_database(str(path))
    try:
        pid = plans.history(db, 1) and 1
        assert signatures_of(db, pid) == {}
        assert check_database(db).ok
        plans.save_revision(db, pid, base_revision=2, content=plan_with(2), author="Nurse", reason="After 0009")
        sign(db, pid, 1, "reviewed", printed_name="Dr Late")  # an old revision can be reviewed now
        assert sorted(signatures_of(db, pid)) == [1, 3]
        report = check_database(db)
        assert report.ok, report.problems
    finally:
        db.dispose()


def test_demo_patients_signatures_go_with_them(db: Database) -> None:
    from dataclasses import replace

    from careplan.services.patients import create_patient, get_patient

    real = scene(db)
    demo = create_patient(db, replace(get_patient(db, real), id=None, mrn="DEMO-1", fictional=True),
                          actor="tester")
    save_history(db, demo.id or 0, revisions=1)
    sign(db, demo.id or 0, 1, "approved", printed_name="Dr Demo")
    remove_demo_patients(db, actor="tester")
    assert len(signatures_of(db, real)) == 2
    report = check_database(db)
    assert report.ok, report.problems
