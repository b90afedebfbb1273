"""Demo patients can be removed with their history; real patients' history stays append-only.

The history tables' delete triggers are dropped and re-created in their new form (the same
SQL as careplan/persistence/triggers.py, which the runner also applies, idempotently): a
delete is refused unless the row belongs to a patient inserted as fictional. Guard
triggers make patients.fictional and plans.patient_id unchangeable, so no update can make a
real patient's history deletable. No row is changed.

Revision ID: 0005_life_demo_removal
Revises: 0004_patient_course
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_life_demo_removal"
down_revision: str | None = "0004_patient_course"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY_TABLES = ("plan_revisions", "revision_items", "audit_events")
# The guards as careplan/persistence/triggers.py installs them today (tests/test_migrations.py compares).
SQLITE_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_update BEFORE UPDATE ON plan_revisions BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_delete BEFORE DELETE ON plan_revisions WHEN NOT EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_update BEFORE UPDATE ON revision_items BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_delete BEFORE DELETE ON revision_items WHEN NOT EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events WHEN NOT EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS patients_fictional_fixed BEFORE UPDATE OF fictional ON patients WHEN NEW.fictional IS NOT OLD.fictional BEGIN SELECT RAISE(ABORT, 'patients.fictional cannot change: it decides whether history may be removed'); END",
    "CREATE TRIGGER IF NOT EXISTS plans_patient_fixed BEFORE UPDATE OF patient_id ON plans WHEN NEW.patient_id IS NOT OLD.patient_id BEGIN SELECT RAISE(ABORT, 'plans.patient_id cannot change: it decides whether history may be removed'); END",
)
POSTGRESQL_GUARDS = (
    "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    "CREATE OR REPLACE FUNCTION careplan_history_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_TABLE_NAME = 'plan_revisions' THEN IF EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'revision_items' THEN IF EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'audit_events' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; END IF; RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    "CREATE OR REPLACE FUNCTION careplan_fixed_column() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%.% cannot change: it decides whether history may be removed', TG_TABLE_NAME, TG_ARGV[0]; END $$",
    'CREATE OR REPLACE TRIGGER plan_revisions_no_update BEFORE UPDATE ON plan_revisions FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER plan_revisions_no_delete BEFORE DELETE ON plan_revisions FOR EACH ROW EXECUTE FUNCTION careplan_history_delete()',
    'CREATE OR REPLACE TRIGGER plan_revisions_no_truncate BEFORE TRUNCATE ON plan_revisions FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER revision_items_no_update BEFORE UPDATE ON revision_items FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER revision_items_no_delete BEFORE DELETE ON revision_items FOR EACH ROW EXECUTE FUNCTION careplan_history_delete()',
    'CREATE OR REPLACE TRIGGER revision_items_no_truncate BEFORE TRUNCATE ON revision_items FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION careplan_history_delete()',
    'CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
    "CREATE OR REPLACE TRIGGER patients_fictional_fixed BEFORE UPDATE OF fictional ON patients FOR EACH ROW WHEN (NEW.fictional IS DISTINCT FROM OLD.fictional) EXECUTE FUNCTION careplan_fixed_column('fictional')",
    "CREATE OR REPLACE TRIGGER plans_patient_fixed BEFORE UPDATE OF patient_id ON plans FOR EACH ROW WHEN (NEW.patient_id IS DISTINCT FROM OLD.patient_id) EXECUTE FUNCTION careplan_fixed_column('patient_id')",
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in HISTORY_TABLES:
        # SQLite re-creates with IF NOT EXISTS, so the old unconditional trigger must go first;
        # on PostgreSQL the old one fired on TRUNCATE, the new one on DELETE.
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete" + ("" if sqlite else f" ON {table}"))
    for statement in SQLITE_GUARDS if sqlite else POSTGRESQL_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
