"""services.history.append_revisions called directly: several plans in one step, its refusals
word for word, times kept in UTC whatever the local zone, and the audit trail it leaves.

Found by mutation testing (see [tool.mutmut] in pyproject.toml): each test here fails for a mutant of
history.py that the save, import and demo tests let through.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from careplan.domain.errors import CarePlanError
from careplan.domain.plan import CLOCK_SKEW, GENESIS_HASH, Goal
from careplan.persistence.engine import Database
from careplan.persistence.models import PlanRow
from careplan.services import audit
from careplan.services.check import check_database
from careplan.services.history import Entry, HeadMovedError, Run, append_revisions
from tests.history_builders import make_patient, plan_with, save_history
from tests.history_fixtures import HOSTILE, snapshot

T0 = datetime(2026, 2, 2, 10, 0, 0, 250000, tzinfo=UTC)


def _entries(n: int, start: int = 1, author: str = "Nurse Writer") -> tuple[Entry, ...]:
    return tuple(Entry(T0 + timedelta(hours=k), author, "" if k == 1 else f"Review {k}", plan_with(k % 3 + 1))
                 for k in range(start, start + n))


def _heads(db: Database) -> dict[int, tuple[int, int, str]]:
    """patient id -> (plan id, current revision, last hash)."""
    with db.reading() as s:
        return {pid: (plan_id, current, last) for pid, plan_id, current, last in s.execute(
            select(PlanRow.patient_id, PlanRow.id, PlanRow.current_revision, PlanRow.last_hash))}


def test_one_append_moves_existing_and_new_plans_each_to_its_own_newest_revision(db: Database) -> None:
    """Runs on existing plans before and after one on a new plan: every head moves, ids stay apart."""
    a, b, c = (make_patient(db, mrn).id or 0 for mrn in ("MRN-A", "MRN-B", "MRN-C"))
    with db.transaction() as s:
        append_revisions(s, [Run(a, "MRN-A", 0, _entries(2)), Run(c, "MRN-C", 0, _entries(1))])
    runs = [Run(a, "MRN-A", 2, _entries(1, start=3)), Run(b, "MRN-B", 0, _entries(3)),
            Run(c, "MRN-C", 1, _entries(2, start=2))]
    with db.transaction() as s:
        chains = append_revisions(s, runs)
    assert [[r.number for r in chain] for chain in chains] == [[3], [1, 2, 3], [2, 3]]
    assert chains[1][0].prev_hash == GENESIS_HASH
    heads = _heads(db)
    assert len({plan_id for plan_id, _, _ in heads.values()}) == 3
    for pid, chain in zip((a, b, c), chains, strict=True):
        assert heads[pid][1:] == (chain[-1].number, chain[-1].content_hash)
    report = check_database(db)
    assert report.ok and report.revisions_checked == 3 + 3 + 3, report.problems


def test_two_runs_for_one_plan_are_refused_and_a_run_without_entries_is_ignored(db: Database) -> None:
    pid = make_patient(db, "MRN-A").id or 0
    before = snapshot(db)
    with pytest.raises(ValueError) as e, db.transaction() as s:
        append_revisions(s, [Run(pid, "MRN-A", 0, _entries(1)), Run(pid, "MRN-A", 1, _entries(1, start=2))])
    assert str(e.value) == "one run per plan: a plan's revisions are appended in one run, in order"
    assert snapshot(db) == before
    with db.transaction() as s:
        [chain] = append_revisions(s, [Run(pid, "MRN-A", 0, ()), Run(pid, "MRN-A", 0, _entries(1))])
    assert [r.number for r in chain] == [1]
    with db.transaction() as s:
        assert append_revisions(s, [Run(pid, "MRN-A", 1, ())]) == []


def test_a_head_that_moved_names_the_plan_and_writes_nothing(db: Database) -> None:
    pid = make_patient(db, "MRN-A").id or 0
    save_history(db, pid, revisions=2)
    other = make_patient(db, "MRN-B").id or 0
    before = snapshot(db)
    plan_id = _heads(db)[pid][0]
    for run, expected_plan in ((Run(pid, "MRN-A", 1, _entries(1)), plan_id), (Run(other, "MRN-B", 4, _entries(1)), None)):
        with pytest.raises(HeadMovedError) as e, db.transaction() as s:
            append_revisions(s, [run])
        assert (e.value.run, e.value.plan_id) == (run, expected_plan)
        assert str(e.value) == f"The plan of {run.mrn} is no longer at revision {run.base}; nothing was saved."
    assert snapshot(db) == before


def test_an_entry_whose_expected_hash_differs_is_refused_by_number_and_mrn(db: Database) -> None:
    pid = make_patient(db, "MRN-A").id or 0
    good = _entries(2)
    with db.transaction() as s:  # the right hashes, as an export carries them, are accepted
        [chain] = append_revisions(s, [Run(pid, "MRN-A", 0, good)])
    other = make_patient(db, "MRN-B").id or 0
    key = "b" * 32  # the history key an export would carry for MRN-B
    before = snapshot(db)
    with pytest.raises(CarePlanError) as e, db.transaction() as s:  # A's history cannot pass for B's
        append_revisions(s, [Run(other, "MRN-B", 0, [replace(g, expected_hash=r.content_hash)
                                                      for g, r in zip(good, chain, strict=True)], history_key=key)])
    assert str(e.value).startswith("Revision 1 of MRN-B does not link")
    b_hash = replace(chain[0], patient_key=key, content_hash="").compute_hash()
    wrong = (replace(good[0], expected_hash=b_hash), replace(good[1], expected_hash="0" * 64))
    with pytest.raises(CarePlanError) as e, db.transaction() as s:
        append_revisions(s, [Run(other, "MRN-B", 0, wrong, history_key=key)])
    assert str(e.value) == ("Revision 2 of MRN-B does not link to the revisions already saved in CarePlan; "
                            "nothing was written.")
    assert snapshot(db) == before


def test_times_are_hashed_in_utc_whatever_the_local_zone_and_the_clock(db: Database, kolkata: None) -> None:
    pid = make_patient(db, "MRN-A").id or 0
    plus_two = timezone(timedelta(hours=2))
    entries = (replace(_entries(1)[0], created_at=T0), replace(_entries(1, start=2)[0], created_at=T0.astimezone(plus_two)))
    with db.transaction() as s:
        [chain] = append_revisions(s, [Run(pid, "MRN-A", 0, entries)])
    assert [r.created_at.isoformat() for r in chain] == ["2026-02-02T10:00:00.250000+00:00"] * 2
    assert check_database(db).ok


def test_each_revision_is_audited_with_its_own_time_and_a_run_event_names_the_newest(db: Database) -> None:
    a, b = (make_patient(db, mrn).id or 0 for mrn in ("MRN-A", "MRN-B"))
    imported = audit.NewEvent("Importer", "data.imported", entity="patient", entity_key="MRN-B", patient_id=b)
    restored = replace(_entries(1, start=2)[0], restored_from=1)
    with db.transaction() as s:
        chain_a, chain_b = append_revisions(s, [Run(a, "MRN-A", 0, (_entries(1)[0], restored), tags={"via": "test"}),
                                                Run(b, "MRN-B", 0, _entries(3), event=imported)])
    events = [e for e in audit.list_events(db) if e.action != "patient.created"]
    plan_events = sorted((e.mrn, e.revision, e.actor, e.action, e.entity, e.entity_key, e.at, e.details)
                         for e in events if e.entity == "plan")
    # Each event also names the hash of the revision it recorded, which `careplan check` compares.
    assert plan_events == [
        ("MRN-A", 1, "Nurse Writer", "plan.saved", "plan", "MRN-A", T0 + timedelta(hours=1),
         {"items": 2, "reason": "", "via": "test", "revision_hash": chain_a[0].content_hash}),
        ("MRN-A", 2, "Nurse Writer", "plan.restored", "plan", "MRN-A", T0 + timedelta(hours=2),
         {"items": 3, "reason": "Review 2", "via": "test", "restored_from": 1, "revision_hash": chain_a[1].content_hash}),
    ]
    assert [(e.mrn, e.revision, e.actor, e.action, e.entity_key, e.details) for e in events if e.entity != "plan"] == [
        ("MRN-B", 3, "Importer", "data.imported", "MRN-B", {"revision_hash": chain_b[2].content_hash})], \
        "one event for the run, naming its newest revision"


def test_goals_are_stored_as_written_not_as_escapes(db: Database) -> None:
    """The goals column is read by people with the sqlite3 shell and psql: no \\uXXXX escapes."""
    pid = make_patient(db, "MRN-A").id or 0
    content = replace(plan_with(1), goals=(Goal(HOSTILE),))
    with db.transaction() as s:
        append_revisions(s, [Run(pid, "MRN-A", 0, (replace(_entries(1)[0], content=content),))])
    with db.engine.connect() as c:
        stored = c.execute(text("SELECT goals_json FROM plan_revisions")).scalar_one()
    assert stored == json.dumps([HOSTILE], ensure_ascii=False)


def test_a_revision_may_trail_its_predecessor_by_a_clock_skew_but_not_more(db: Database) -> None:
    """Two coordinators' clocks differ by a minute or two; a revision dated further back is refused."""
    pid = make_patient(db, "MRN-A").id or 0
    first, second, third = _entries(3)
    with db.transaction() as s:
        append_revisions(s, [Run(pid, "MRN-A", 0, (first, replace(second, created_at=first.created_at - CLOCK_SKEW)))])
    before = snapshot(db)
    late = replace(third, created_at=first.created_at - CLOCK_SKEW - CLOCK_SKEW - timedelta(microseconds=1))
    with pytest.raises(CarePlanError, match="before revision 2; check this computer's clock"), db.transaction() as s:
        append_revisions(s, [Run(pid, "MRN-A", 2, (late,))])
    assert snapshot(db) == before
    assert check_database(db).ok
