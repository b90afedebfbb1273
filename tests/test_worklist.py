"""The worklist service on SQLite and PostgreSQL, with a fixed clock and rows worked out by hand."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from careplan.domain.patient import Patient
from careplan.domain.plan import PlanContent, PlanStatus
from careplan.persistence.engine import Database
from careplan.persistence.models import PatientRow
from careplan.services import patients, plans
from careplan.services.worklist import MAX_DAYS, BadWindowError, WorkKind, worklist

if TYPE_CHECKING:
    from tests.clock_fixtures import FixedClock

pytest_plugins = ["tests.clock_fixtures"]  # fixed_clock
TODAY = date(2026, 6, 15)


def add_patient(db: Database, mrn: str, name: str) -> int:
    p = patients.create_patient(db, Patient(mrn=mrn, full_name=name, date_of_birth=date(1958, 3, 2)), actor="setup")
    assert p.id is not None
    return p.id


def save_plan(db: Database, pid: int, next_review: date | None, *, base: int = 0) -> None:
    content = PlanContent(status=PlanStatus.ACTIVE, start_date=date(2026, 1, 5), next_review=next_review)
    plans.save_revision(db, pid, base_revision=base, content=content, author="Nurse Setup", reason="first plan")


def set_status(db: Database, pid: int, status: str) -> None:
    with db.transaction() as s:
        s.execute(update(PatientRow).where(PatientRow.id == pid).values(status=status))


def test_the_worklist_lists_what_needs_doing_most_urgent_first(db: Database, fixed_clock: FixedClock) -> None:
    clock = fixed_clock.at(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    ana = add_patient(db, "W-ANA", "Ana Long-Overdue")
    ben = add_patient(db, "W-BEN", "Ben Just-Overdue")
    cleo = add_patient(db, "W-CLEO", "Cleo Due-Today")
    dan = add_patient(db, "W-DAN", "Dan Due-Tomorrow")
    eve = add_patient(db, "W-EVE", "Eve Due-In-14")
    fay = add_patient(db, "W-FAY", "Fay Due-In-15")
    hana = add_patient(db, "W-HANA", "Hana No-Date")
    ivo = add_patient(db, "W-IVO", "Ivo Discharged")
    for pid, review in ((ana, date(2026, 5, 16)), (ben, date(2026, 6, 14)), (cleo, TODAY), (dan, date(2026, 6, 16)),
                        (eve, date(2026, 6, 29)), (fay, date(2026, 6, 30)), (hana, None), (ivo, date(2026, 2, 1))):
        save_plan(db, pid, review)
    clock.at(datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    gus = add_patient(db, "W-GUS", "Gus No-Plan")
    archived = add_patient(db, "W-OLD", "Olga Archived")  # no plan, but not active: not listed
    set_status(db, archived, "archived")
    # Drafts: saved 10 June 08:00 UTC is 13:30 in Kolkata; 14 June 20:00 UTC is already 15 June there.
    clock.at(datetime(2026, 6, 10, 8, 0, tzinfo=UTC))
    plans.save_draft(db, gus, "Dr Y <b>&amp;</b>", 0, PlanContent())
    plans.save_draft(db, ivo, "Nurse X", 1, PlanContent())  # a discharged patient's draft: not listed
    set_status(db, ivo, "discharged")  # after the draft: a discharged patient's plan is read-only
    clock.at(datetime(2026, 6, 14, 19, 0, tzinfo=UTC))  # the same local day as Ben's, an hour earlier
    plans.save_draft(db, cleo, "Dr Z", 1, PlanContent())
    clock.at(datetime(2026, 6, 14, 20, 0, tzinfo=UTC))
    plans.save_draft(db, ben, "Nurse X", 1, PlanContent())
    clock.at(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))  # 09:30 on 15 June in Kolkata

    got = [(i.mrn, i.kind.value, i.reason, i.date, i.days, i.author) for i in worklist(db)]

    assert got == [
        ("W-ANA", "overdue", "Review overdue by 30 days", date(2026, 5, 16), -30, None),
        ("W-BEN", "overdue", "Review overdue by 1 day", date(2026, 6, 14), -1, None),
        ("W-GUS", "draft", "Unsaved draft by Dr Y <b>&amp;</b> since 10 June 2026, 13:30", date(2026, 6, 10), -5,
         "Dr Y <b>&amp;</b>"),
        ("W-CLEO", "draft", "Unsaved draft by Dr Z since 15 June 2026, 00:30", TODAY, 0, "Dr Z"),
        ("W-BEN", "draft", "Unsaved draft by Nurse X since 15 June 2026, 01:30", TODAY, 0, "Nurse X"),
        ("W-GUS", "no_plan", "No plan yet", date(2026, 6, 1), -14, None),
        ("W-CLEO", "due_soon", "Review due today", TODAY, 0, None),
        ("W-DAN", "due_soon", "Review due tomorrow", date(2026, 6, 16), 1, None),
        ("W-EVE", "due_soon", "Review due in 14 days", date(2026, 6, 29), 14, None),
    ]
    first = worklist(db)[0]
    assert (first.patient_id, first.name) == (ana, "Ana Long-Overdue")

    wider = worklist(db, days=15)
    assert [(i.mrn, i.reason) for i in wider if i.kind is WorkKind.DUE_SOON][-1] == ("W-FAY", "Review due in 15 days")
    today_only = worklist(db, days=0)
    assert [i.mrn for i in today_only if i.kind is WorkKind.DUE_SOON] == ["W-CLEO"]

    # The day moves on: Cleo's review is now overdue, Gus has had no plan for longer.
    later = worklist(db, on=date(2026, 6, 17))
    assert [(i.mrn, i.reason) for i in later if i.kind is WorkKind.OVERDUE] == [
        ("W-ANA", "Review overdue by 32 days"), ("W-BEN", "Review overdue by 3 days"),
        ("W-CLEO", "Review overdue by 2 days"), ("W-DAN", "Review overdue by 1 day")]


def test_a_saved_plan_takes_the_patient_off_the_no_plan_rows(db: Database, fixed_clock: FixedClock) -> None:
    pid = add_patient(db, "W-1", "Zoë Żółć")
    assert [i.kind for i in worklist(db)] == [WorkKind.NO_PLAN]
    save_plan(db, pid, TODAY + timedelta(days=90))
    assert worklist(db) == []
    save_plan(db, pid, TODAY - timedelta(days=1), base=1)
    assert [i.kind for i in worklist(db)] == [WorkKind.OVERDUE]
    set_status(db, pid, "deceased")  # overdue, but the patient is no longer in care
    assert worklist(db) == []


@pytest.mark.parametrize("days", [-1, MAX_DAYS + 1, 10**20])
def test_a_window_out_of_range_is_refused_with_the_range(db: Database, days: int) -> None:
    with pytest.raises(BadWindowError, match=f"from 0 to {MAX_DAYS} days"):
        worklist(db, days=days)


# --- every boundary, against a plain restatement of the rules -------------------------------------

@dataclass(frozen=True)
class Fact:
    pid: int
    active: bool
    added: date
    review: date | None  # None with has_plan: a plan without a review date
    has_plan: bool
    draft_at: datetime | None


def expected(facts: list[Fact], on: date, days: int) -> list[tuple[int, str, date]]:
    rows: list[tuple[int, str, date, datetime | None]] = []
    for f in facts:
        if not f.active:
            continue
        if not f.has_plan:
            rows.append((f.pid, "no_plan", f.added, None))
        elif f.review is not None and f.review < on:
            rows.append((f.pid, "overdue", f.review, None))
        elif f.review is not None and (f.review - on).days <= days:
            rows.append((f.pid, "due_soon", f.review, None))
        if f.draft_at is not None:
            rows.append((f.pid, "draft", f.draft_at.astimezone().date(), f.draft_at))
    rank = {"overdue": 0, "draft": 1, "no_plan": 2, "due_soon": 3}
    rows.sort(key=lambda r: (rank[r[1]], r[2], r[3] or datetime.min.replace(tzinfo=UTC), r[0]))
    return [(pid, kind, when) for pid, kind, when, _ in rows]


@pytest.fixture
def clinic(db: Database, fixed_clock: FixedClock) -> tuple[Database, list[Fact]]:
    """Forty patients whose review dates, plans, drafts and statuses fall around 1-30 June 2026."""
    rnd = random.Random(12)
    facts = []
    for n in range(40):
        added = date(2026, 5, 1) + timedelta(days=rnd.randrange(30))
        fixed_clock.at(datetime.combine(added, datetime.min.time(), UTC) + timedelta(hours=8))
        pid = add_patient(db, f"C-{n}", f"Patient {n:02}")
        has_plan = rnd.random() < 0.8
        review = date(2026, 5, 25) + timedelta(days=rnd.randrange(60)) if rnd.random() < 0.9 else None
        if has_plan:
            save_plan(db, pid, review)
        draft_at = None
        if rnd.random() < 0.25:
            day = date(2026, 6, 1) + timedelta(days=rnd.randrange(10))
            draft_at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=n % 12)
            fixed_clock.at(draft_at)
            plans.save_draft(db, pid, "Nurse Q", 1 if has_plan else 0, PlanContent())
        active = rnd.random() < 0.85
        if not active:
            set_status(db, pid, rnd.choice(["discharged", "deceased", "archived"]))
        facts.append(Fact(pid, active, added, review if has_plan else None, has_plan, draft_at))
    return db, facts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(on=st.dates(date(2026, 5, 20), date(2026, 8, 1)),
       days=st.one_of(st.integers(0, 40), st.just(MAX_DAYS)))
def test_every_boundary_of_every_rule(clinic: tuple[Database, list[Fact]], on: date, days: int) -> None:
    db, facts = clinic
    got = worklist(db, on=on, days=days)
    assert [(i.patient_id, i.kind.value) for i in got] == [(pid, kind) for pid, kind, _ in expected(facts, on, days)]
    assert all(i.days == (i.date - on).days for i in got)
    assert [i.date for i in got] == [when for _, _, when in expected(facts, on, days)]
