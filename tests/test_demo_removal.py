"""`demo --remove`: fictional patients go with their whole history; real patients' rows stay byte for byte.

The database itself enforces the line (persistence/triggers.py): these tests also try to cross
it with plain SQL and expect the database to refuse, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from careplan.domain.lifecycle import DischargeReason
from careplan.persistence.engine import Database
from careplan.persistence.models import PromptDecisionRow
from careplan.services import audit, lifecycle, plans
from careplan.services.demo_removal import count_demo_patients, remove_demo_patients
from tests.history_builders import make_patient, save_history
from tests.history_fixtures import ALL_TABLES, _plain, demo, hostile_patient, snapshot


def _real_rows(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row not belonging to a demo patient (demo MRNs start DEMO-), catalogue included."""
    demo_patients = "SELECT id FROM patients WHERE mrn LIKE 'DEMO-%'"
    demo_plans = f"SELECT id FROM plans WHERE patient_id IN ({demo_patients})"
    demo_revisions = f"SELECT id FROM plan_revisions WHERE plan_id IN ({demo_plans})"
    where = {"patients": f"id NOT IN ({demo_patients})", "plans": f"patient_id NOT IN ({demo_patients})",
             "plan_revisions": f"plan_id NOT IN ({demo_plans})", "revision_items": f"revision_id NOT IN ({demo_revisions})",
             "audit_events": f"patient_id IS NULL OR patient_id NOT IN ({demo_patients})",
             "revision_signatures": f"revision_id NOT IN ({demo_revisions})"}
    out = {}
    with db.engine.connect() as c:
        for table in ALL_TABLES:
            cond = where.get(table, "true" if table in ("catalogue_items", "templates", "guideline_rules") else f"patient_id NOT IN ({demo_patients})")
            rows = c.execute(text(f"SELECT * FROM {table} WHERE {cond} ORDER BY id")).all()
            out[table] = [tuple(_plain(v) for v in r) for r in rows]
    return out


def _real_decision(db: Database, patient_id: int) -> None:
    with db.transaction() as s:
        s.add(PromptDecisionRow(patient_id=patient_id, rule_code="niv_fvc_below_50", decision="dismissed",
                                rule_hash="a" * 64, facts_hash="b" * 64, reason="Declines NIV for now", actor="Nurse",
                                decided_at=datetime(2026, 1, 10, 9, tzinfo=UTC), revision=None))


def test_remove_takes_only_fictional_patients_and_leaves_real_history_untouched(db: Database) -> None:
    real = make_patient(db, "REAL-1")
    save_history(db, real.id or 0, 3)
    _real_decision(db, real.id or 0)
    hostile_patient(db)
    demo(db, patients=12)
    plans.save_draft(db, real.id or 0, "Nurse Test", 3, plans.load_plan(db, real.id or 0).content())
    lifecycle.discharge(db, real.id or 0, reason=DischargeReason.MOVED, version=real.version, actor="a",
                        on=date(2026, 2, 1))
    assert count_demo_patients(db) == 12
    with db.engine.connect() as c:  # demo data decides prompts: those rows must go with their patients too
        demo_decisions = c.execute(text("SELECT count(*) FROM prompt_decisions d JOIN patients p "
                                        "ON p.id = d.patient_id WHERE p.fictional = TRUE")).scalar()
    assert demo_decisions
    kept = _real_rows(db)

    removed = remove_demo_patients(db, actor="lead")

    assert removed["patients"] == 12 and removed["revisions"] > 12 and removed["audit_events"] >= removed["revisions"]
    after = snapshot(db, ALL_TABLES)
    for table, rows in kept.items():
        # audit_events gains one row (below); everything else is exactly what the real patients had.
        assert after[table][:len(rows)] == rows, table
    assert len(after["audit_events"]) == len(kept["audit_events"]) + 1
    assert count_demo_patients(db) == 0
    assert len(after["prompt_decisions"]) == len(kept["prompt_decisions"]) == 1  # the real one, and only it
    event = audit.list_events(db, limit=1)[0]
    assert (event.action, event.mrn, event.details) == ("demo.removed", None, {"patients": 12})
    assert remove_demo_patients(db, actor="lead")["patients"] == 0  # again: nothing left, still recorded


def _refused(db: Database, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only|cannot be changed"), db.engine.begin() as c:
        c.execute(text(statement))


def test_database_refuses_to_delete_real_history_or_make_a_patient_fictional(db: Database) -> None:
    real = make_patient(db, "REAL-2")
    save_history(db, real.id or 0, 2)
    _real_decision(db, real.id or 0)
    demo(db, patients=2)
    before = snapshot(db)
    _refused(db, "DELETE FROM revision_items")
    _refused(db, "DELETE FROM plan_revisions")
    _refused(db, "DELETE FROM audit_events")
    _refused(db, "DELETE FROM prompt_decisions")  # demo decisions exist; the real patient's may not go
    _refused(db, "UPDATE prompt_decisions SET reason = 'x'")
    _refused(db, f"UPDATE patients SET fictional = TRUE WHERE id = {real.id}")
    _refused(db, "UPDATE patients SET fictional = FALSE WHERE mrn LIKE 'DEMO-%'")
    _refused(db, "UPDATE plans SET patient_id = (SELECT min(id) FROM patients WHERE mrn LIKE 'DEMO-%') "
                 f"WHERE patient_id = {real.id}")
    _refused(db, "UPDATE plan_revisions SET reason = 'x' WHERE plan_id IN (SELECT p.id FROM plans p JOIN patients pt "
                 "ON pt.id = p.patient_id WHERE pt.fictional = TRUE)")  # fictional history is still never edited
    _refused(db, "DELETE FROM audit_events WHERE patient_id IS NULL")
    if not db.is_sqlite:
        _refused(db, "TRUNCATE plan_revisions CASCADE")
    assert snapshot(db) == before
