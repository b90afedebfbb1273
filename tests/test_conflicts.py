"""Two CarePlan instances editing one plan: the second save is caught, nothing is lost.

Each "instance" is its own Database (its own engine and connection pool) on the same SQLite
file or PostgreSQL schema, as two coordinators' computers would be.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from careplan.domain.diff import diff_contents
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import ItemStatus, PlanContent, Revision
from careplan.persistence.engine import Database, open_database
from careplan.services import audit, plans
from careplan.services.check import check_database
from tests.history_builders import item, make_patient, plan_with


@pytest.fixture
def instances(db: Database, db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two app instances on the database `db` was opened on."""
    a, b = open_database(db_url), open_database(db_url)
    yield a, b
    a.dispose()
    b.dispose()


def test_second_save_is_a_conflict_showing_their_changes_then_mine_goes_on_top(
    db: Database, instances: tuple[Database, Database]
) -> None:
    a, b = instances
    pid = make_patient(db, "MRN-1").id or 0
    plans.save_revision(db, pid, base_revision=0, content=plan_with(4), author="Nurse Start", reason="")

    mine_a, mine_b = plans.load_plan(a, pid), plans.load_plan(b, pid)
    assert mine_a.number == mine_b.number == 1
    base = mine_a.content()
    theirs = base.with_items(base.items + (item("new-from-a", Discipline.RESPIRATORY),))
    plans.save_revision(a, pid, base_revision=1, content=theirs, author="Nurse Anna", reason="Added cough assist")
    edited = list(base.items)
    edited[0] = replace(edited[0], status=ItemStatus.ON_HOLD, notes="Paused while in hospital")
    mine = base.with_items(tuple(edited))

    with pytest.raises(plans.ConflictError) as caught:
        plans.save_revision(b, pid, base_revision=1, content=mine, author="Nurse Ben", reason="Paused physio")
    e = caught.value
    assert (e.base, e.theirs.number, e.theirs.author) == (1, 2, "Nurse Anna")
    assert "Nurse Anna saved revision 2" in str(e) and "Your edits are kept" in str(e)
    assert [i.key for i in e.their_changes.added] == ["new-from-a"] and not e.their_changes.changed
    assert len(plans.history(db, pid)) == 2, "the losing save wrote nothing"

    # The loser re-applies their edit on top of the winner's revision, and saves N+2.
    on_top = e.theirs.content.with_items(tuple(
        mine.items[0] if i.key == mine.items[0].key else i for i in e.theirs.content.items))
    rev = plans.save_revision(b, pid, base_revision=e.theirs.number, content=on_top, author="Nurse Ben",
                              reason="Paused physio")
    assert rev.number == 3
    hist = plans.history(db, pid)
    assert [(h.number, h.author) for h in hist] == [(1, "Nurse Start"), (2, "Nurse Anna"), (3, "Nurse Ben")]
    final = plans.load_plan(db, pid).content()
    assert {i.key for i in final.items} >= {"new-from-a", mine.items[0].key}
    assert final.items[0].notes == "Paused while in hospital", "nothing either of them did was lost"
    assert check_database(db).ok
    assert [ev.actor for ev in audit.list_events(db, mrn="MRN-1") if ev.action == "plan.saved"] == [
        "Nurse Ben", "Nurse Anna", "Nurse Start"]


def test_the_very_first_save_can_conflict_too(db: Database, instances: tuple[Database, Database]) -> None:
    a, b = instances
    pid = make_patient(db, "MRN-1").id or 0
    plans.save_revision(a, pid, base_revision=0, content=plan_with(2), author="Nurse Anna", reason="")
    with pytest.raises(plans.ConflictError) as e:
        plans.save_revision(b, pid, base_revision=0, content=plan_with(3), author="Nurse Ben", reason="")
    assert e.value.theirs.author == "Nurse Anna"
    assert e.value.their_changes == diff_contents(PlanContent(), plan_with(2))
    assert [h.number for h in plans.history(db, pid)] == [1]


def _race(instances: tuple[Database, Database], pid: int, base: int, contents: tuple[PlanContent, PlanContent]
          ) -> tuple[list[Revision], list[plans.ConflictError], list[BaseException]]:
    barrier = threading.Barrier(2, timeout=30)
    won: list[Revision] = []
    lost: list[plans.ConflictError] = []
    other: list[BaseException] = []
    lock = threading.Lock()

    def save(db: Database, content: PlanContent, who: str) -> None:
        try:
            barrier.wait()
            rev = plans.save_revision(db, pid, base_revision=base, content=content, author=who,
                                      reason="" if base == 0 else f"{who}'s review")
            with lock:
                won.append(rev)
        except plans.ConflictError as e:
            with lock:
                lost.append(e)
        except BaseException as e:  # any other outcome is a failure the test must report
            with lock:
                other.append(e)

    threads = [threading.Thread(target=save, args=(d, c, who))
               for d, c, who in zip(instances, contents, ("Nurse Anna", "Nurse Ben"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return won, lost, other


ROUNDS = 6


def test_truly_concurrent_saves_one_wins_one_conflicts(db: Database, instances: tuple[Database, Database]) -> None:
    pid = make_patient(db, "MRN-1").id or 0
    for base in range(ROUNDS):  # round 0 races to create the plan itself
        contents = (plan_with(3 + base), plan_with(4 + base).with_items(plan_with(4 + base).items[1:]))
        won, lost, other = _race(instances, pid, base, contents)
        assert other == [], f"round {base}: only ConflictError may happen, got {other!r}"
        assert (len(won), len(lost)) == (1, 1), f"round {base}"
        assert won[0].number == base + 1
        assert lost[0].theirs.number == base + 1 and lost[0].theirs.author == won[0].author
        assert lost[0].theirs.content_hash == won[0].content_hash
    numbers = [h.number for h in plans.history(db, pid)]
    assert numbers == list(range(1, ROUNDS + 1)), "no duplicate or missing revision numbers"
    report = check_database(db)
    assert report.ok, report.problems
