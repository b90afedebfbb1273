"""History is written in one place, and `careplan check` catches what that place would never write.

Save, restore, import and demo data all append through services.history.append_revisions; the
tests below prove the histories they leave have one form, that the compare-and-set refuses a
writer whose base is not the plan's head, and that a forged revision (hash recomputed, link
wrong) is named by check on both databases.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, text, update

from careplan.domain.errors import CarePlanError
from careplan.domain.plan import GENESIS_HASH, PlanContent, Revision
from careplan.persistence.engine import Database
from careplan.persistence.models import PlanRevisionRow, PlanRow, RevisionItemRow
from careplan.services import audit, exchange, plans
from careplan.services.check import chain_problem, check_database
from careplan.services.history import revision_rows
from careplan.services.patients import NotFoundError
from tests.history_builders import make_patient, plan_with, save_history
from tests.history_fixtures import (
    counts,
    demo,
    second_db_fixture,  # noqa: F401 - the second_db fixture
    snapshot,
)

T0 = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)


def _stored(db: Database) -> dict[str, list[tuple[int, str, str, str, str, int | None, int]]]:
    """Per MRN: (number, author, reason, prev_hash, content_hash, restored_from, items) in order."""
    q = text("SELECT p.mrn, r.number, r.author, r.reason, r.prev_hash, r.content_hash, r.restored_from, r.item_count "
             "FROM plan_revisions r JOIN plans pl ON pl.id = r.plan_id JOIN patients p ON p.id = pl.patient_id "
             "ORDER BY p.mrn, r.number")
    out: dict[str, list[Any]] = {}
    with db.engine.connect() as c:
        for mrn, *rest in c.execute(q):
            out.setdefault(mrn, []).append(tuple(rest))
    return out


def _heads(db: Database) -> dict[str, tuple[int, str]]:
    q = text("SELECT p.mrn, pl.current_revision, pl.last_hash FROM plans pl JOIN patients p ON p.id = pl.patient_id")
    with db.engine.connect() as c:
        return {mrn: (current, last) for mrn, current, last in c.execute(q)}


def _events(db: Database) -> list[audit.AuditEvent]:
    return list(reversed(audit.list_events(db, limit=100_000)))


# --- one form of history, whoever writes it -------------------------------------------------

def test_save_restore_demo_and_import_leave_histories_of_one_form(db: Database, second_db: Database,
                                                                  tmp_path: Path) -> None:
    demo(db, patients=4)
    pid = make_patient(db, "MRN-SAVED").id or 0
    save_history(db, pid, revisions=3)
    plans.restore_revision(db, pid, 1, base_revision=3, author="Nurse Restore", reason="Back to the first plan")
    exchange.export_to_file(db, tmp_path / "all.json", actor="tester")
    exchange.import_file(second_db, tmp_path / "all.json", actor="Importer")

    stored = _stored(db)
    assert len(stored) == 5 and len(stored["MRN-SAVED"]) == 4
    for where in (db, second_db):
        report = check_database(where)
        assert report.ok, report.problems
        assert report.revisions_checked == sum(len(v) for v in stored.values())
        heads = _heads(where)
        for mrn, revs in stored.items():
            assert [r[0] for r in revs] == list(range(1, len(revs) + 1)), mrn
            assert revs[0][3] == GENESIS_HASH and all(b[3] == a[4] for a, b in zip(revs, revs[1:], strict=False))
            assert heads[mrn] == (len(revs), revs[-1][4]), f"{mrn}: the head is the newest revision"
    assert _stored(second_db) == stored, "an import keeps every revision, its author, reason and hashes"

    # Every revision saved here, by a coordinator or by the demo, has exactly one event of one form.
    events = [e for e in _events(db) if e.entity == "plan"]
    by_revision = {(e.mrn, e.revision): e for e in events}
    with db.engine.connect() as c:
        authored = dict(c.execute(text("SELECT r.content_hash, s.hash FROM revision_signatures s JOIN plan_revisions r "
                                       "ON r.id = s.revision_id WHERE s.meaning = 'authored'")).all())
    assert len(by_revision) == len(events) == sum(len(v) for v in stored.values())
    for mrn, revs in stored.items():
        for number, author, reason, _prev, _hash, restored_from, items in revs:
            e = by_revision[(mrn, number)]
            assert (e.actor, e.action) == (author, "plan.restored" if restored_from else "plan.saved")
            expected = {"items": items, "reason": reason}
            if restored_from:
                expected["restored_from"] = restored_from
            if mrn.startswith("DEMO-"):
                expected["demo"] = True
            else:  # saved by a coordinator: signed "authored", the signature named in the event
                expected[audit.SIGNATURE] = authored[_hash]
            assert e.details == {**expected, "revision_hash": _hash}, (mrn, number)
    # An import is one event per patient, naming the newest revision it brought.
    imported = [e for e in _events(second_db) if e.action == "data.imported"]
    assert sorted((e.mrn, e.revision, e.actor) for e in imported) == sorted(
        (mrn, len(revs), "Importer") for mrn, revs in stored.items())
    assert not [e for e in _events(second_db) if e.entity == "plan"], "imported revisions are not re-saved"


def test_an_import_is_refused_when_the_plan_head_does_not_match_its_history(db: Database, second_db: Database,
                                                                             tmp_path: Path) -> None:
    """Imported revisions are rehashed on top of the stored head, so a tampered head is caught."""
    save_history(db, make_patient(db, "MRN-1").id or 0, revisions=4)
    exchange.export_to_file(db, tmp_path / "four.json", actor="tester")
    doc = json.loads((tmp_path / "four.json").read_text(encoding="utf-8"))
    doc["patients"][0]["revisions"] = doc["patients"][0]["revisions"][:2]
    (tmp_path / "two.json").write_text(exchange.export_text(doc), encoding="utf-8")
    exchange.import_file(second_db, tmp_path / "two.json", actor="importer")
    with second_db.engine.begin() as c:  # plans are not append-only: someone edits the head's hash
        c.execute(update(PlanRow).values(last_hash="f" * 64))
    before = snapshot(second_db)
    with pytest.raises(CarePlanError, match="Revision 3 of MRN-1 does not link"):
        exchange.import_file(second_db, tmp_path / "four.json", actor="importer")
    assert snapshot(second_db) == before, "nothing was written"


# --- the compare-and-set ---------------------------------------------------------------------

def test_a_save_based_on_a_revision_the_plan_does_not_have_is_refused_and_leaves_no_gap(db: Database) -> None:
    """A window still showing revision 5 of a database since restored to an older backup with 2."""
    pid = make_patient(db, "MRN-1").id or 0
    save_history(db, pid, revisions=2)
    before = snapshot(db)
    with pytest.raises(plans.ConflictError) as e:
        plans.save_revision(db, pid, base_revision=5, content=plan_with(2), author="Nurse Late", reason="Review")
    assert e.value.theirs.number == 2
    assert snapshot(db) == before, "no revision 6, no moved head, no audit event"
    assert check_database(db).ok


def test_a_save_based_on_a_plan_that_no_longer_exists_writes_nothing(db: Database) -> None:
    pid = make_patient(db, "MRN-1").id or 0
    before = snapshot(db)
    with pytest.raises(NotFoundError, match="The plan this edit was based on no longer exists"):
        plans.save_revision(db, pid, base_revision=3, content=plan_with(2), author="Nurse Late", reason="Review")
    assert snapshot(db) == before


def test_a_save_on_a_stale_base_is_refused_by_the_plan_head(db: Database) -> None:
    pid = make_patient(db, "MRN-1").id or 0
    save_history(db, pid, revisions=3)
    before = snapshot(db)
    for base in (0, 1, 2):
        with pytest.raises(plans.ConflictError) as e:
            plans.save_revision(db, pid, base_revision=base, content=plan_with(1), author="B", reason="Late edit")
        assert (e.value.base, e.value.theirs.number) == (base, 3)
    assert snapshot(db) == before


# --- check names a forged link ---------------------------------------------------------------

def _forge(db: Database, mrn: str, rev: Revision) -> None:
    """What anyone who can write SQL could do: append rows (triggers only stop UPDATE and DELETE)
    and point the plan at them, with every hash recomputed so only the link gives it away."""
    with db.engine.begin() as c:
        plan_id = c.execute(text("SELECT pl.id FROM plans pl JOIN patients p ON p.id = pl.patient_id "
                                 "WHERE p.mrn = :m"), {"m": mrn}).scalar_one()
        head, items = revision_rows(plan_id, rev)
        rid = c.execute(insert(PlanRevisionRow).values(**head).returning(PlanRevisionRow.id)).scalar_one()
        if items:
            c.execute(insert(RevisionItemRow), [{**i, "revision_id": rid} for i in items])
        c.execute(update(PlanRow).where(PlanRow.id == plan_id)
                  .values(current_revision=rev.number, last_hash=rev.content_hash))


def _hash(db: Database, mrn: str, number: int) -> str:
    return next(r[4] for r in _stored(db)[mrn] if r[0] == number)


def test_check_names_a_forged_revision_whose_hash_is_right_but_whose_link_is_wrong(db: Database) -> None:
    for mrn in ("MRN-A", "MRN-B", "MRN-C"):
        save_history(db, make_patient(db, mrn).id or 0, revisions=4)
    assert check_database(db).ok
    # MRN-A: a revision 5 grafted onto revision 3, as if revision 4 had never been.
    graft = Revision(5, T0, "Someone", "Rewritten", plan_with(2), prev_hash=_hash(db, "MRN-A", 3))
    _forge(db, "MRN-A", replace(graft, content_hash=graft.compute_hash()))
    # MRN-B: a revision 5 linked to revision 4 of another patient's plan.
    alien = Revision(5, T0, "Someone", "Moved over", plan_with(3), prev_hash=_hash(db, "MRN-C", 4))
    _forge(db, "MRN-B", replace(alien, content_hash=alien.compute_hash()))
    report = check_database(db)
    assert report.problems == [
        "Plan of MRN-A, revision 5: does not link to revision 4 (first broken link)",
        "Plan of MRN-B, revision 5: does not link to revision 4 (first broken link)",
        # No save wrote them, so the audit log still has each plan at revision 4.
        "Plan of MRN-A: is at revision 5, but the audit log last recorded revision 4",
        "Plan of MRN-B: is at revision 5, but the audit log last recorded revision 4",
    ]
    assert report.revisions_checked == 14


def test_check_names_a_forged_first_revision_that_does_not_start_the_chain(db: Database) -> None:
    save_history(db, make_patient(db, "MRN-A").id or 0, revisions=2)
    pid = make_patient(db, "MRN-NEW").id or 0
    with db.engine.begin() as c:
        c.execute(insert(PlanRow).values(patient_id=pid, current_revision=0, status="draft", last_hash=GENESIS_HASH))
    first = Revision(1, T0, "Someone", "", plan_with(1), prev_hash=_hash(db, "MRN-A", 2))
    _forge(db, "MRN-NEW", replace(first, content_hash=first.compute_hash()))
    assert check_database(db).problems == [
        "Plan of MRN-NEW, revision 1: does not link to revision 0 (first broken link)"]


def _rewrite_behind_the_guard(db: Database, statement: str) -> None:
    """The table owner's way round the append-only triggers, with the guard put back afterwards."""
    with db.engine.begin() as c:
        if db.is_sqlite:
            guard = c.execute(text("SELECT sql FROM sqlite_master WHERE name = 'plan_revisions_no_update'")).scalar_one()
            c.execute(text("DROP TRIGGER plan_revisions_no_update"))
            c.execute(text(statement))
            c.execute(text(guard))
        else:
            c.execute(text("ALTER TABLE plan_revisions DISABLE TRIGGER USER"))
            c.execute(text(statement))
            c.execute(text("ALTER TABLE plan_revisions ENABLE TRIGGER USER"))


def test_a_plan_broken_early_does_not_hide_or_spoil_the_plans_after_it(db: Database) -> None:
    """After the first broken link the rest of that plan is skipped, and the next plans still verify."""
    for mrn in ("MRN-A", "MRN-B", "MRN-C"):
        save_history(db, make_patient(db, mrn).id or 0, revisions=4, n_items=5)
    _rewrite_behind_the_guard(db, "UPDATE plan_revisions SET reason = 'rewritten' WHERE id = (SELECT min(id) + 1 "
                                  "FROM plan_revisions)")
    report = check_database(db)
    assert report.problems == ["Plan of MRN-A, revision 2: content does not match its hash (first broken link)"]
    assert report.revisions_checked == 2 + 4 + 4
    save_history(db, make_patient(db, "MRN-D").id or 0, revisions=1)
    assert not plans.history(db, make_patient(db, "MRN-E").id or 0)  # a patient without a plan is fine too
    assert check_database(db).problems == report.problems


def test_check_names_a_plan_head_that_disagrees_with_its_revisions(db: Database) -> None:
    """The plans row is not append-only (it moves on every save), so check compares it with the chain."""
    for mrn in ("MRN-A", "MRN-B", "MRN-C"):
        save_history(db, make_patient(db, mrn).id or 0, revisions=4)
    with db.engine.begin() as c:
        for mrn, values in (("MRN-A", "current_revision = 3"), ("MRN-B", "last_hash = '" + "e" * 64 + "'")):
            c.execute(text(f"UPDATE plans SET {values} WHERE patient_id = (SELECT id FROM patients WHERE mrn = :m)"),
                      {"m": mrn})
    assert check_database(db).problems == [
        "Plan of MRN-A: says it has 3 revisions but 4 are stored",
        "Plan of MRN-B: latest hash does not match revision 4",
        "Plan of MRN-A: is at revision 3, but the audit log last recorded revision 4",
    ]


def _chain(contents: list[PlanContent]) -> list[Revision]:
    out, prev = [], GENESIS_HASH
    for n, content in enumerate(contents, start=1):
        rev = Revision(n, T0 + timedelta(days=n), "Nurse", "" if n == 1 else f"Review {n}", content, prev_hash=prev)
        rev = replace(rev, content_hash=rev.compute_hash())
        out.append(rev)
        prev = rev.content_hash
    return out


def _first_problem(chain: list[Revision]) -> tuple[int, str] | None:
    prev = GENESIS_HASH
    for expected, rev in enumerate(chain, start=1):
        problem = chain_problem(rev, expected, prev)
        if problem:
            return rev.number, problem
        prev = rev.content_hash
    return None


@pytest.mark.parametrize(("length", "k"), [(n, k) for n in range(1, 7) for k in range(n)])
@pytest.mark.parametrize("wrong", ["genesis", "own", "later", "other"])
def test_any_relinked_revision_is_the_first_broken_link(length: int, k: int, wrong: str) -> None:
    """Every position in chains of 1 to 6, linked to anything but its predecessor, hash recomputed."""
    chain = _chain([plan_with(n % 4 + 1) for n in range(length)])
    assert _first_problem(chain) is None
    other = _chain([plan_with(5)])[0].content_hash
    target = {"genesis": GENESIS_HASH, "own": chain[k].content_hash, "later": chain[-1].content_hash,
              "other": other}[wrong]
    if target == chain[k].prev_hash:  # revision 1 linked to genesis is the one right link
        return
    forged = replace(chain[k], prev_hash=target)
    chain[k] = replace(forged, content_hash=forged.compute_hash())  # its own hash is right
    assert _first_problem(chain) == (k + 1, f"does not link to revision {k} (first broken link)")


# --- check's memory does not grow with the history -------------------------------------------

def _check_peak(db: Database) -> int:
    import tracemalloc

    check_database(db)  # warm: statement caches and imports are not history
    tracemalloc.start()
    try:
        report = check_database(db)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.problems
    return peak


def test_check_memory_stays_flat_as_the_history_grows(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from careplan.services import check

    monkeypatch.setattr(check, "ROWS_PER_FETCH", 20)  # so a small database already fills the buffers
    demo(db, patients=10, seed=5)
    small = _check_peak(db), counts(db)["plan_revisions"]
    demo(db, patients=50, seed=6)
    cursors: list[str] = []

    def seen(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "FROM plans" in statement and "plan_revisions" in statement:
            cursors.append(type(cursor).__name__)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        big = _check_peak(db), counts(db)["plan_revisions"]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert big[1] > 5 * small[1]
    assert big[0] < 1.5 * small[0], f"peak {small[0]:,} B for {small[1]} revisions, {big[0]:,} B for {big[1]}"
    if not db.is_sqlite:
        # libpq keeps a client-side result whole, out of tracemalloc's sight: the rows must stay on the server.
        assert cursors == ["ServerCursor"] * 2, cursors
