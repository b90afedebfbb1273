"""What someone with write access to the database can do to its history, and `careplan check`
catching each of it: one row per attack, on SQLite and on PostgreSQL (issue 19).

Every attack runs on the same scene: three plans (MRN-A and MRN-B with 3 revisions, MRN-C with
4) and MRN-D without a plan, sealed before the attack. Attacks that go behind a guard drop it
(SQLite) or disable it (PostgreSQL) and put it back exactly as it was, so what must catch them
is the history itself, not the missing guard. A row marked `sealed` is a rewrite so thorough
(every hash recomputed) that only `check --against` the seal can catch it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select, text

from careplan.domain.course import Assessment, parse_alsfrs
from careplan.domain.guidelines import Finding
from careplan.domain.plan import Revision
from careplan.domain.signature import signature_hash
from careplan.persistence.engine import Database, open_database
from careplan.persistence.models import (
    HISTORY_TABLES,
    AuditEventRow,
    PatientRow,
    PlanRevisionRow,
    RevisionItemRow,
)
from careplan.persistence.triggers import guards
from careplan.services import audit, audit_chain, plans
from careplan.services.check import check_database
from careplan.services.course import add_assessment
from careplan.services.history import revision_rows
from careplan.services.prompt_store import record_decision
from careplan.services.rules import shipped_rules
from careplan.services.seal import Seal
from careplan.services.signatures import signatures_of
from tests.history_builders import make_patient, save_history
from tests.history_fixtures import snapshot

REV = ("(SELECT r.id FROM plan_revisions r JOIN plans pl ON pl.id = r.plan_id JOIN patients p ON p.id = pl.patient_id "
       "WHERE p.mrn = '{}' AND r.number = {})")
PLAN = "(SELECT pl.id FROM plans pl JOIN patients p ON p.id = pl.patient_id WHERE p.mrn = '{}')"
PATIENT = "(SELECT id FROM patients WHERE mrn = '{}')"
Statement = str | tuple[str, dict[str, object]]


def scene(db: Database) -> Seal:
    for mrn, revisions in (("MRN-A", 3), ("MRN-B", 3), ("MRN-C", 4)):
        save_history(db, make_patient(db, mrn).id or 0, revisions=revisions)
    # The ALS course is history too: one assessment, so the assessments table has a row to attack.
    first = db_patient_id(db, "MRN-A")
    add_assessment(db, first, Assessment(date(2026, 2, 1), "Nurse A", alsfrs=parse_alsfrs("4,4,4,4,4a,4,4,3,4,4,4,4")))
    with db.transaction() as s:  # and one guideline prompt decision
        record_decision(s, first, Finding(shipped_rules()[0], ()), "dismissed", actor="Nurse A", reason="Not now")
    make_patient(db, "MRN-D")  # the log ends with an entry no plan vouches for
    report = check_database(db, seal=True)
    assert report.ok, report.problems
    return report.seal()


def db_patient_id(db: Database, mrn: str) -> int:
    with db.engine.connect() as c:
        return int(c.execute(text("SELECT id FROM patients WHERE mrn = :m"), {"m": mrn}).scalar_one())


def run(db: Database, *statements: Statement) -> None:
    with db.engine.begin() as c:
        for st in statements:
            if isinstance(st, str):
                c.exec_driver_sql(st)
            else:
                c.execute(text(st[0]), st[1])


def unguarded(db: Database, tables: list[str], *statements: Statement) -> None:
    """The statements, with the tables' guards out of the way and then back exactly as they were."""
    if db.is_sqlite:
        gs = [g for g in guards("sqlite") if g.table in tables]
        run(db, *(f"DROP TRIGGER {g.name}" for g in gs), *statements, *(g.sql for g in gs))
    else:
        run(db, *(f"ALTER TABLE {t} DISABLE TRIGGER USER" for t in tables), *statements,
            *(f"ALTER TABLE {t} ENABLE TRIGGER USER" for t in tables))


def key_of(db: Database, mrn: str) -> str:
    with db.reading() as s:
        return str(s.scalar(select(PatientRow.history_key).where(PatientRow.mrn == mrn)))


def patient_id(db: Database, mrn: str) -> int:
    with db.reading() as s:
        return int(s.scalar(select(PatientRow.id).where(PatientRow.mrn == mrn)) or 0)


# --- attacks that need a little Python -------------------------------------------------------

def swap_plans(db: Database, with_keys: bool = False) -> None:
    """MRN-A and MRN-B trade plans (through MRN-D, who has none); with_keys: their keys too."""
    moves: list[Statement] = [
        f"UPDATE plans SET patient_id = {PATIENT.format('MRN-D')} WHERE id = {PLAN.format('MRN-A')}",
        f"UPDATE plans SET patient_id = {PATIENT.format('MRN-A')} WHERE id = {PLAN.format('MRN-B')}",
        f"UPDATE plans SET patient_id = {PATIENT.format('MRN-B')} WHERE id = {PLAN.format('MRN-D')}"]
    if with_keys:
        a, b = key_of(db, "MRN-A"), key_of(db, "MRN-B")
        moves += [f"UPDATE patients SET history_key = '{'f' * 32}' WHERE mrn = 'MRN-A'",
                  f"UPDATE patients SET history_key = '{a}' WHERE mrn = 'MRN-B'",
                  f"UPDATE patients SET history_key = '{b}' WHERE mrn = 'MRN-A'"]
    unguarded(db, ["plans", "patients"], *moves)


def append_forged(db: Database, *, after: timedelta, tied_to_patient: bool = True) -> None:
    """A revision 4 on MRN-A with a correct hash and link, a moved head and a matching audit entry."""
    pid = patient_id(db, "MRN-A")
    last = plans.get_revision(db, pid, 3)
    forged = Revision(4, last.created_at + after, "Someone", "Forged", last.content, prev_hash=last.content_hash,
                      patient_key=key_of(db, "MRN-A") if tied_to_patient else None)
    forged = replace(forged, content_hash=forged.compute_hash())
    with db.transaction() as s:
        plan_id = s.scalar(select(PlanRevisionRow.plan_id).where(PlanRevisionRow.content_hash == last.content_hash))
        head, items = revision_rows(plan_id or 0, forged)
        rid = s.scalar(insert(PlanRevisionRow).values(**head).returning(PlanRevisionRow.id))
        for it in items:
            s.execute(insert(RevisionItemRow).values(**it, revision_id=rid))
        s.execute(text("UPDATE plans SET current_revision = 4, last_hash = :h WHERE id = :p"),
                  {"h": forged.content_hash, "p": plan_id})
        audit.record_many(s, [audit.NewEvent("Someone", "plan.saved", "plan", "MRN-A", pid, 4,
                                             {audit.REVISION_HASH: forged.content_hash}, forged.created_at)])


def rechained_audit(db: Database, new_hashes: dict[str, str]) -> list[Statement]:
    """Statements that recompute the whole audit chain, naming the new revision hashes."""
    out: list[Statement] = []
    prev = audit_chain.GENESIS_HASH
    with db.reading() as s:
        rows = s.execute(select(*(AuditEventRow.__table__.c[k] for k in audit_chain.AUDIT_COLUMNS))
                         .order_by(AuditEventRow.id)).all()
    for row in rows:
        values = dict(row._mapping)
        details = json.loads(values["details"])
        for key in (audit.REVISION_HASH, audit.SIGNATURE):  # the revision's hash and its "authored" signature's
            details[key] = new_hashes.get(details.get(key), details.get(key))
            if details[key] is None:
                del details[key]
        values["entity_key"] = new_hashes.get(values["entity_key"], values["entity_key"])  # a "plan.signed" event
        values["details"] = json.dumps(details, ensure_ascii=False, sort_keys=True)
        h = audit_chain.event_hash(prev, values)
        out.append(("UPDATE audit_events SET details = :d, entity_key = :k, prev_hash = :p, hash = :h WHERE id = :i",
                    {"d": values["details"], "k": values["entity_key"], "p": prev, "h": h, "i": values["id"]}))
        prev = h
    return out


def recompute_chain(db: Database) -> None:
    """Rewrite MRN-A's revision 2, recompute every later hash, and the whole audit chain after it."""
    pid, key = patient_id(db, "MRN-A"), key_of(db, "MRN-A")
    old = [plans.get_revision(db, pid, n) for n in (1, 2, 3)]
    prev, new_hashes, statements = old[0].content_hash, {}, []
    for rev in old[1:]:
        changed = replace(rev, reason="Quietly rewritten" if rev.number == 2 else rev.reason, prev_hash=prev,
                          patient_key=key)
        changed = replace(changed, content_hash=changed.compute_hash())
        new_hashes[rev.content_hash] = prev = changed.content_hash
        statements.append((f"UPDATE plan_revisions SET reason = :r, prev_hash = :p, content_hash = :h "
                           f"WHERE id = {REV.format('MRN-A', rev.number)}",
                           {"r": changed.reason, "p": changed.prev_hash, "h": changed.content_hash}))
    statements.append((f"UPDATE plans SET last_hash = :h WHERE id = {PLAN.format('MRN-A')}", {"h": prev}))
    statements += resigned(db, pid, new_hashes)
    unguarded(db, ["plan_revisions", "audit_events", "revision_signatures"], *statements,
              *rechained_audit(db, new_hashes))


def resigned(db: Database, pid: int, new_hashes: dict[str, str]) -> list[Statement]:
    """Statements that re-link and re-hash the signatures of the rewritten revisions (recording
    each signature's new hash in `new_hashes`, for the audit log's rewrite)."""
    out: list[Statement] = []
    for number, sigs in signatures_of(db, pid).items():
        old_revision = plans.get_revision(db, pid, number).content_hash
        revision = new_hashes.get(old_revision, old_revision)
        prev = revision
        for sig in sigs:
            h = signature_hash(prev_hash=prev, revision_hash=revision, meaning=sig.meaning.value,
                               signed_by=sig.signed_by, printed_name=sig.printed_name, signed_at=sig.signed_at)
            out.append(("UPDATE revision_signatures SET prev_hash = :p, hash = :h WHERE hash = :old",
                        {"p": prev, "h": h, "old": sig.hash}))
            new_hashes[sig.hash] = prev = h
    return out


def cut_audit_tail(db: Database) -> None:
    unguarded(db, ["audit_events"], "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")


def sqlite_or_pg(sqlite: str, postgresql: str) -> Callable[[Database], None]:
    return lambda db: run(db, sqlite if db.is_sqlite else postgresql)


@dataclass(frozen=True)
class Attack:
    name: str
    attack: Callable[[Database], None]
    expect: str  # a problem check must report contains this
    on: tuple[str, ...] = ("sqlite", "postgresql")
    sealed: bool = False  # only `check --against` the seal can catch it


BOTH_GUARDED = ["plan_revisions", "revision_items", "revision_signatures"]
ATTACKS = [
    Attack("revision text rewritten behind the guard", lambda db: unguarded(db, ["plan_revisions"],
           f"UPDATE plan_revisions SET reason = 'rewritten' WHERE id = {REV.format('MRN-A', 2)}"),
           "Plan of MRN-A, revision 2: content does not match its hash"),
    Attack("item text rewritten behind the guard", lambda db: unguarded(db, ["revision_items"],
           f"UPDATE revision_items SET notes = 'changed' WHERE revision_id = {REV.format('MRN-B', 1)}"),
           "Plan of MRN-B, revision 1: content does not match its hash"),
    Attack("revision deleted from the middle", lambda db: unguarded(db, BOTH_GUARDED,
           f"DELETE FROM revision_items WHERE revision_id = {REV.format('MRN-A', 2)}",
           f"DELETE FROM revision_signatures WHERE revision_id = {REV.format('MRN-A', 2)}",
           f"DELETE FROM plan_revisions WHERE id = {REV.format('MRN-A', 2)}"),
           "Plan of MRN-A, revision 3: revision 2 is missing"),
    Attack("newest revision deleted and the plan head rolled back", lambda db: unguarded(db, BOTH_GUARDED,
           f"DELETE FROM revision_items WHERE revision_id = {REV.format('MRN-C', 4)}",
           f"DELETE FROM revision_signatures WHERE revision_id = {REV.format('MRN-C', 4)}",
           f"DELETE FROM plan_revisions WHERE id = {REV.format('MRN-C', 4)}",
           f"UPDATE plans SET current_revision = 3, last_hash = (SELECT content_hash FROM plan_revisions "
           f"WHERE id = {REV.format('MRN-C', 3)}) WHERE id = {PLAN.format('MRN-C')}"),
           "Plan of MRN-C: is at revision 3, but the audit log last recorded revision 4"),
    Attack("item deleted", lambda db: unguarded(db, ["revision_items"],
           "DELETE FROM revision_items WHERE id = (SELECT min(id) FROM revision_items WHERE revision_id = "
           f"{REV.format('MRN-A', 1)})"), "Plan of MRN-A, revision 1: content does not match its hash"),
    Attack("item slipped into an old revision (no guard stops an INSERT)", lambda db: run(db,
           "INSERT INTO revision_items (revision_id, position, uid, catalogue_code, discipline, title, "
           "caregiver_instructions, clinical_description, frequency, responsible, goal, notes, start_date, status) "
           "SELECT revision_id, 99, 'extra', catalogue_code, discipline, 'Extra', caregiver_instructions, "
           "clinical_description, frequency, responsible, goal, notes, start_date, status FROM revision_items "
           f"WHERE revision_id = {REV.format('MRN-A', 2)} AND position = 0"),
           "Plan of MRN-A, revision 2: content does not match its hash"),
    Attack("two patients' plans swapped", swap_plans, "Plan of MRN-A, revision 1: content does not match its hash"),
    Attack("plans and history keys swapped together", lambda db: swap_plans(db, with_keys=True),
           "Plan of MRN-A: revision 3 is not the one the audit log recorded for this patient"),
    Attack("patient records relabelled (MRNs swapped)", lambda db: run(db,
           "UPDATE patients SET mrn = 'TMP' WHERE mrn = 'MRN-A'", "UPDATE patients SET mrn = 'MRN-A' WHERE mrn = 'MRN-B'",
           "UPDATE patients SET mrn = 'MRN-B' WHERE mrn = 'TMP'"),
           "Patient MRN-A: the audit log last recorded this patient as MRN-B"),
    Attack("overdue review hidden", lambda db: run(db,
           f"UPDATE plans SET next_review = '2099-12-31' WHERE id = {PLAN.format('MRN-A')}"),
           "Plan of MRN-A: its status or next review differs from revision 3"),
    Attack("plan status changed", lambda db: run(db, f"UPDATE plans SET status = 'draft' WHERE id = {PLAN.format('MRN-B')}"),
           "Plan of MRN-B: its status or next review differs from revision 3"),
    Attack("back-dated revision appended with a correct hash", lambda db: append_forged(db, after=-timedelta(days=2)),
           "Plan of MRN-A, revision 4: is dated"),
    Attack("revision appended with the old hash, not tied to the patient",
           lambda db: append_forged(db, after=timedelta(minutes=5), tied_to_patient=False),
           "Plan of MRN-A, revision 4: uses hash version 1 after revision 3's version 2"),
    Attack("whole chain recomputed after an edit", recompute_chain,
           "Plan of MRN-A, revision 3: differs from the seal", sealed=True),
    Attack("audit entry rewritten", lambda db: unguarded(db, ["audit_events"],
           "UPDATE audit_events SET actor = 'Someone else' WHERE id = (SELECT min(id) + 2 FROM audit_events)"),
           "its content does not match its hash"),
    Attack("audit entry deleted", lambda db: unguarded(db, ["audit_events"],
           "DELETE FROM audit_events WHERE id = (SELECT min(id) + 3 FROM audit_events)"),
           "does not link to the entry before it"),
    Attack("audit entry added without a link", lambda db: run(db,
           "INSERT INTO audit_events (at, actor, action, patient_id, entity, entity_key, revision, details) "
           "VALUES ('2026-01-01 10:00:00.000000', 'Someone', 'catalogue.edited', NULL, 'catalogue_item', 'x', NULL, '{}')"),
           "was inserted without a link"),
    Attack("newest audit entry cut off the end", cut_audit_tail, "is missing since the seal", sealed=True),
    Attack("revision_items table dropped", lambda db: run(db, "DROP TABLE revision_items"),
           "Table revision_items is missing"),
    Attack("audit_events table dropped", lambda db: run(db, "DROP TABLE audit_events"), "Table audit_events is missing"),
    Attack("guard dropped", sqlite_or_pg("DROP TRIGGER audit_events_no_delete",
                                         "DROP TRIGGER audit_events_no_update ON audit_events"),
           "Append-only guard missing: trigger audit_events_no_"),
    Attack("guard replaced by one that lets updates through", lambda db: run(db, *((
        "DROP TRIGGER plan_revisions_no_update",
        "CREATE TRIGGER plan_revisions_no_update BEFORE UPDATE ON plan_revisions BEGIN SELECT 1; END")
        if db.is_sqlite else ("CREATE OR REPLACE TRIGGER plan_revisions_no_update BEFORE DELETE ON plan_revisions "
                              "FOR EACH ROW EXECUTE FUNCTION careplan_append_only()",))),
           "Append-only guard altered: trigger plan_revisions_no_update"),
    Attack("trigger that silently drops new audit entries", lambda db: run(db, *((
        "CREATE TRIGGER swallow BEFORE INSERT ON audit_events BEGIN SELECT RAISE(IGNORE); END",) if db.is_sqlite else (
        "CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER swallow BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION swallow()"))),
           "Unexpected trigger swallow on audit_events"),
    Attack("guards' function replaced by a no-op", lambda db: run(db,
           "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"),
           "function careplan_append_only of trigger", on=("postgresql",)),
    Attack("guard disabled", lambda db: run(db, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"),
           "audit_events_no_update on audit_events is disabled", on=("postgresql",)),
    Attack("guard set to ENABLE REPLICA", lambda db: run(db,
           "ALTER TABLE plan_revisions ENABLE REPLICA TRIGGER plan_revisions_no_update"),
           "plan_revisions_no_update on plan_revisions is set to fire only for replication", on=("postgresql",)),
    Attack("guard set to ENABLE ALWAYS", lambda db: run(db,
           "ALTER TABLE revision_items ENABLE ALWAYS TRIGGER revision_items_no_delete"),
           "revision_items_no_delete on revision_items is set to ENABLE ALWAYS", on=("postgresql",)),
    Attack("rule that silently drops new revisions", lambda db: run(db,
           "CREATE RULE swallow AS ON INSERT TO plan_revisions DO INSTEAD NOTHING"),
           "Unexpected rule swallow on plan_revisions", on=("postgresql",)),
    Attack("row-level security hiding revisions", lambda db: run(db,
           "ALTER TABLE plan_revisions ENABLE ROW LEVEL SECURITY", "ALTER TABLE plan_revisions FORCE ROW LEVEL SECURITY"),
           "Row-level security is on for plan_revisions", on=("postgresql",)),
]
CASES = [pytest.param(a, engine, id=f"{engine}-{a.name}", marks=[pytest.mark.pg] if engine == "postgresql" else [])
         for a in ATTACKS for engine in a.on]


@pytest.fixture
def open_db(request: pytest.FixtureRequest) -> Callable[[str], Database]:
    opened: list[Database] = []

    def open_(engine: str) -> Database:
        url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
        opened.append(open_database(url))
        return opened[-1]

    yield open_  # type: ignore[misc]
    for db in opened:
        db.dispose()


@pytest.mark.parametrize(("attack", "engine"), CASES)
def test_check_catches_every_attack(attack: Attack, engine: str, open_db: Callable[[str], Database]) -> None:
    db = open_db(engine)
    seal = scene(db)
    attack.attack(db)
    report = check_database(db, against=seal if attack.sealed else None)
    assert any(attack.expect in p for p in report.problems), report.problems
    if attack.sealed:  # the rewrite is thorough: without the seal every chain agrees with itself
        assert check_database(db).ok


def test_the_list_has_the_issues_26_attacks_on_each_database() -> None:
    assert sum("sqlite" in a.on for a in ATTACKS) >= 23 and sum("postgresql" in a.on for a in ATTACKS) >= 29


# --- what the database refuses outright ------------------------------------------------------

def _first_row_again(table: str, verb: str, tail: str = "") -> str:
    return f"{verb} INTO {table} SELECT * FROM {table} WHERE id = (SELECT min(id) FROM {table}){tail}"


# The guards refuse a taken id as append-only, a taken (plan, number) as SQLite would refuse an INSERT.
REFUSED = "append-only|UNIQUE constraint failed"
REPLACES = {
    "INSERT OR REPLACE": lambda t: _first_row_again(t, "INSERT OR REPLACE"),
    "REPLACE INTO": lambda t: _first_row_again(t, "REPLACE"),
    "UPSERT": lambda t: _first_row_again(t, "INSERT", " ON CONFLICT (id) DO UPDATE SET id = excluded.id"),
}


@pytest.mark.parametrize("through", ["CarePlan's connection", "a plain sqlite3 shell"])
@pytest.mark.parametrize("form", list(REPLACES))
@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_replace_and_upsert_are_refused_on_every_history_table(sqlite_db: Database, table: str, form: str,
                                                               through: str) -> None:
    """A REPLACE deletes the row it replaces, unseen by delete triggers unless recursive_triggers is
    on (CarePlan sets it; a shell does not): the BEFORE INSERT guard refuses it either way."""
    scene(sqlite_db)
    before = snapshot(sqlite_db)
    statement = REPLACES[form](table)
    if through == "a plain sqlite3 shell":
        assert sqlite_db.path is not None
        conn = sqlite3.connect(sqlite_db.path)
        assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
        with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
            conn.execute(statement)
        conn.close()
    else:
        with pytest.raises(Exception, match=REFUSED):
            run(sqlite_db, statement)
    assert snapshot(sqlite_db) == before
    assert check_database(sqlite_db).ok


def test_replacing_a_revision_by_its_plan_and_number_is_refused(sqlite_db: Database) -> None:
    """A new id, but the same (plan, number): REPLACE would delete the stored revision 1. Refused as
    a plain INSERT would be, naming the constraint (so CarePlan's conflict handling still reads it)."""
    scene(sqlite_db)
    before = snapshot(sqlite_db)
    assert sqlite_db.path is not None
    conn = sqlite3.connect(sqlite_db.path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(plan_revisions)") if r[1] != "id"]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: plan_revisions.plan_id, "
                                                      "plan_revisions.number"):
        conn.execute(f"INSERT OR REPLACE INTO plan_revisions ({', '.join(columns)}) SELECT {', '.join(columns)} "
                     "FROM plan_revisions WHERE id = (SELECT min(id) FROM plan_revisions)")
    conn.close()
    assert snapshot(sqlite_db) == before


@pytest.mark.parametrize("statement", [
    f"UPDATE plans SET patient_id = {PATIENT.format('MRN-D')} WHERE id = {PLAN.format('MRN-A')}",
    "UPDATE patients SET history_key = 'ffffffffffffffffffffffffffffffff' WHERE mrn = 'MRN-A'",
    _first_row_again("audit_events", "INSERT", " ON CONFLICT (id) DO UPDATE SET actor = 'Someone else'"),
])
def test_the_database_refuses_moving_a_history_or_upserting_into_it(db: Database, statement: str) -> None:
    scene(db)
    before = snapshot(db)
    with pytest.raises(Exception, match="append-only|ties history to its patient"):
        run(db, statement)
    assert snapshot(db) == before and check_database(db).ok


def test_a_patient_without_a_history_may_still_be_given_their_key_once(db: Database) -> None:
    scene(db)
    run(db, f"UPDATE patients SET history_key = '{'d' * 32}' WHERE mrn = 'MRN-D'")
    with pytest.raises(Exception, match="ties history to its patient"):
        run(db, f"UPDATE patients SET history_key = '{'e' * 32}' WHERE mrn = 'MRN-D'")


def test_a_dropped_history_table_is_reported_without_a_traceback(sqlite_db: Database,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from careplan.cli import main

    scene(sqlite_db)
    run(sqlite_db, "DROP TABLE revision_items")
    assert main(["check", "--db", str(sqlite_db.path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert "Table revision_items is missing" in out["problems"]
    assert "Append-only guard missing: trigger revision_items_no_update" in out["problems"]
