"""Revisions are numbered, immutable and hash-chained; the database itself refuses to rewrite them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from careplan.cli import main
from careplan.domain.course import Assessment, parse_alsfrs
from careplan.domain.errors import ValidationError
from careplan.domain.guidelines import Finding
from careplan.domain.plan import PlanContent, PlanItem, PlanStatus
from careplan.persistence.engine import Database, open_database
from careplan.persistence.models import HISTORY_TABLES
from careplan.services import audit, catalogue, plans
from careplan.services.check import check_database
from careplan.services.course import add_assessment
from careplan.services.prompt_store import record_decision
from careplan.services.rules import shipped_rules
from tests.history_builders import make_patient, plan_with, save_history
from tests.history_fixtures import counts, demo, hostile_patient, snapshot, tamper_sqlite

T1 = datetime(2026, 3, 2, 9, 15, 0, 123456, tzinfo=UTC)
ALSFRS = "4,3,4,4,3a,4,4,3,4,4,4,4"


def from_catalogue(db: Database, n: int) -> tuple[PlanItem, ...]:
    catalogue.sync_catalogue(db)
    return tuple(
        PlanItem(catalogue_code=c.code, uid=c.code, discipline=c.discipline, title=c.title,
                 caregiver_instructions=c.caregiver_instructions, clinical_description=c.clinical_description,
                 frequency=c.frequency, responsible=c.role.label)
        for c in catalogue.list_items(db)[:n]
    )


def test_each_save_is_a_numbered_revision_with_author_time_reason_and_text_snapshot(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    items = from_catalogue(db, 3)
    first = PlanContent(status=PlanStatus.ACTIVE, items=items)
    plans.save_revision(db, p.id or 0, base_revision=0, content=first, author="Nurse A", reason="", now=T1)
    second = first.with_items(items[:2])
    plans.save_revision(db, p.id or 0, base_revision=1, content=second, author="Nurse B", reason="Stopped one",
                        now=T1 + timedelta(days=1))
    original = items[0]
    catalogue.edit_item(db, original.catalogue_code, {"title": "Renamed in the catalogue",
                                                      "caregiver_instructions": "New words"}, actor="admin")

    hist = plans.history(db, p.id or 0)
    assert [(h.number, h.author, h.reason, h.items) for h in hist] == [(1, "Nurse A", "", 3), (2, "Nurse B", "Stopped one", 2)]
    assert hist[0].created_at == T1 and hist[0].created_at.utcoffset() == timedelta(0)
    old = plans.get_revision(db, p.id or 0, 1)
    assert old.content == first, "a revision keeps the catalogue text it was saved with"
    assert old.content.items[0].title == original.title != "Renamed in the catalogue"
    assert old.compute_hash() == old.content_hash and plans.get_revision(db, p.id or 0, 2).prev_hash == old.content_hash
    with db.engine.connect() as c:
        stored = c.execute(text("SELECT created_at FROM plan_revisions WHERE number = 1")).scalar()
    assert str(stored).startswith("2026-03-02 09:15:00.123456"), "stored as UTC, whatever the local zone"
    saved = [(e.action, e.actor, e.revision) for e in audit.list_events(db, mrn="MRN-1") if e.action == "plan.saved"]
    assert saved == [("plan.saved", "Nurse B", 2), ("plan.saved", "Nurse A", 1)]


def test_time_is_shown_in_local_time(sqlite_db: Database, kolkata: None, capsys: pytest.CaptureFixture[str]) -> None:
    p = make_patient(sqlite_db, "MRN-1")
    plans.save_revision(sqlite_db, p.id or 0, base_revision=0, content=plan_with(1), author="Nurse A", reason="", now=T1)
    assert main(["history", "--db", str(sqlite_db.path), "MRN-1"]) == 0
    assert "2026-03-02 14:45" in capsys.readouterr().out  # 09:15 UTC is 14:45 in India


def test_a_revision_saved_with_a_non_utc_clock_still_verifies(db: Database) -> None:
    p = make_patient(db, "MRN-1")
    local = T1.astimezone(timezone(timedelta(hours=2)))
    plans.save_revision(db, p.id or 0, base_revision=0, content=plan_with(1), author="A", reason="", now=local)
    assert check_database(db).ok


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reason_is_required_from_revision_two(db: Database, reason: str) -> None:
    p = make_patient(db, "MRN-1")
    plans.save_revision(db, p.id or 0, base_revision=0, content=plan_with(2), author="A", reason=reason)
    before = snapshot(db)
    with pytest.raises(ValidationError) as e:
        plans.save_revision(db, p.id or 0, base_revision=1, content=plan_with(3), author="A", reason=reason)
    assert "reason is required from revision 2" in (e.value.for_field("reason") or "")
    assert snapshot(db) == before


# --- append-only below the application -------------------------------------------------------

def _a_prompt_decision(db: Database, patient_id: int) -> None:
    """A guideline prompt decision, so that table holds a row to attack too."""
    with db.transaction() as s:
        record_decision(s, patient_id, Finding(shipped_rules()[0], ()), "dismissed", actor="Nurse", reason="Not now")


@pytest.mark.parametrize("table", HISTORY_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}",
                                       "UPDATE {t} SET id = id WHERE id = (SELECT max(id) FROM {t})"])
def test_direct_sql_cannot_change_or_delete_history(db: Database, table: str, statement: str) -> None:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=2)
    add_assessment(db, p.id or 0, Assessment(date(2026, 1, 5), "Nurse", alsfrs=parse_alsfrs(ALSFRS), weight_kg=60))
    _a_prompt_decision(db, p.id or 0)
    before = snapshot(db)
    assert before[table], "the table must hold rows for the test to mean anything"
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
        c.execute(text(statement.format(t=table)))
    assert snapshot(db) == before


@pytest.mark.pg
@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_truncate_is_refused_on_postgresql(pg_url: str, table: str) -> None:
    db = open_database(pg_url)
    try:
        p = make_patient(db, "MRN-1")
        save_history(db, p.id or 0, revisions=2)
        add_assessment(db, p.id or 0, Assessment(date(2026, 1, 5), "Nurse", weight_kg=60))
        _a_prompt_decision(db, p.id or 0)
        before = counts(db)
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
            c.execute(text(f"TRUNCATE {table} CASCADE"))
        assert counts(db) == before
    finally:
        db.dispose()


# --- careplan check names the first broken link ----------------------------------------------

def _two_histories(db: Database) -> None:
    for mrn in ("MRN-A", "MRN-B"):
        p = make_patient(db, mrn)
        save_history(db, p.id or 0, revisions=4)


REVISION_OF = ("(SELECT r.id FROM plan_revisions r JOIN plans pl ON pl.id = r.plan_id "
               "JOIN patients p ON p.id = pl.patient_id WHERE p.mrn = '{mrn}' AND r.number = {n})")


def test_check_names_a_dropped_trigger_and_the_first_edited_revision(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _two_histories(sqlite_db)
    path = sqlite_db.path
    assert path is not None and check_database(sqlite_db).ok
    sqlite_db.dispose()
    tamper_sqlite(
        path,
        "DROP TRIGGER revision_items_no_update",
        f"UPDATE revision_items SET notes = 'quietly changed' WHERE revision_id = {REVISION_OF.format(mrn='MRN-B', n=2)}",
        f"UPDATE revision_items SET notes = 'changed too' WHERE revision_id = {REVISION_OF.format(mrn='MRN-B', n=3)}",
    )
    assert main(["check", "--db", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Append-only guard missing: trigger revision_items_no_update" in out
    assert "Plan of MRN-B, revision 2: content does not match its hash (first broken link)" in out
    assert "MRN-A" not in out and "revision 3" not in out, "only the first broken link of each plan is named"


def test_check_names_a_deleted_revision(sqlite_db: Database) -> None:
    _two_histories(sqlite_db)
    path = sqlite_db.path
    assert path is not None
    sqlite_db.dispose()
    rev = REVISION_OF.format(mrn="MRN-A", n=3)
    tamper_sqlite(path, "DROP TRIGGER revision_items_no_delete", "DROP TRIGGER plan_revisions_no_delete",
                   f"DELETE FROM revision_items WHERE revision_id = {rev}", f"DELETE FROM plan_revisions WHERE id = {rev}")
    db = open_database(str(path))
    try:
        problems = check_database(db).problems
    finally:
        db.dispose()
    assert "Append-only guard missing: trigger plan_revisions_no_delete" in problems
    assert "Plan of MRN-A, revision 4: revision 3 is missing" in problems


@pytest.mark.pg
def test_check_names_the_first_edited_revision_on_postgresql(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        _two_histories(db)
        with db.engine.begin() as c:  # only the table's owner can do this
            c.execute(text("ALTER TABLE plan_revisions DISABLE TRIGGER USER"))
            c.execute(text(f"UPDATE plan_revisions SET reason = 'rewritten' WHERE id = {REVISION_OF.format(mrn='MRN-A', n=2)}"))
            c.execute(text("ALTER TABLE plan_revisions ENABLE TRIGGER USER"))
        report = check_database(db)
        assert report.problems == ["Plan of MRN-A, revision 2: content does not match its hash (first broken link)"]
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
            c.execute(text("UPDATE plan_revisions SET reason = 'again'"))
    finally:
        db.dispose()


@pytest.mark.pg
def test_check_notices_a_trigger_left_disabled_on_postgresql(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        with db.engine.begin() as c:
            c.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        assert any("audit_events" in p for p in check_database(db).problems)
    finally:
        db.dispose()


def test_check_passes_on_a_database_full_of_history(db: Database) -> None:
    demo(db, patients=20)
    hostile_patient(db)
    report = check_database(db)
    assert report.ok, report.problems
    assert report.revisions_checked == counts(db)["plan_revisions"] > 20
