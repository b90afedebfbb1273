"""History that check can prove: revision hashes tied to the patient, a hash-chained audit log,
and guards against REPLACE and against moving a plan to another patient.

Nothing already written is rewritten: existing revisions keep hash_version 1 (their hash does
not cover the patient) and are verified as they were made; new revisions get hash_version 2,
whose hash covers patients.history_key. Existing audit rows keep prev_hash/hash NULL and are
covered by a seal (`careplan check --seal`); new rows are chained.

Revision ID: 0006_seal_history
Revises: 0005_life_demo_removal
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_seal_history"
down_revision: str | None = "0005_life_demo_removal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every guard, spelled out as careplan.persistence.triggers states them at this schema (the runner
# re-installs the current guards after every upgrade, and tests/test_migrations.py proves both
# agree). Guards whose text changes here are dropped first: SQLite creates with IF NOT EXISTS.
SQLITE_DROP = ("plans_patient_fixed", "patients_fictional_fixed")
SQLITE_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_update BEFORE UPDATE ON plan_revisions BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_delete BEFORE DELETE ON plan_revisions WHEN NOT EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_replace BEFORE INSERT ON plan_revisions WHEN EXISTS (SELECT 1 FROM plan_revisions WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_replace_plan_id_number BEFORE INSERT ON plan_revisions WHEN EXISTS (SELECT 1 FROM plan_revisions WHERE plan_id = NEW.plan_id AND number = NEW.number) BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: plan_revisions.plan_id, plan_revisions.number'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_update BEFORE UPDATE ON revision_items BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_delete BEFORE DELETE ON revision_items WHEN NOT EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_replace BEFORE INSERT ON revision_items WHEN EXISTS (SELECT 1 FROM revision_items WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events WHEN NOT EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_replace BEFORE INSERT ON audit_events WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plans_patient_id_fixed BEFORE UPDATE OF patient_id ON plans WHEN OLD.patient_id IS NOT NULL AND NEW.patient_id IS NOT OLD.patient_id BEGIN SELECT RAISE(ABORT, 'plans.patient_id cannot be changed: it ties history to its patient'); END",
    "CREATE TRIGGER IF NOT EXISTS patients_history_key_fixed BEFORE UPDATE OF history_key ON patients WHEN OLD.history_key IS NOT NULL AND NEW.history_key IS NOT OLD.history_key BEGIN SELECT RAISE(ABORT, 'patients.history_key cannot be changed: it ties history to its patient'); END",
    "CREATE TRIGGER IF NOT EXISTS patients_fictional_fixed BEFORE UPDATE OF fictional ON patients WHEN OLD.fictional IS NOT NULL AND NEW.fictional IS NOT OLD.fictional BEGIN SELECT RAISE(ABORT, 'patients.fictional cannot be changed: it ties history to its patient'); END",
)
# PostgreSQL: 0005 guarded DELETE through its own function and TRUNCATE through *_no_truncate;
# now one function guards UPDATE and DELETE, and *_no_delete guards TRUNCATE.
PG_DROP = ("plan_revisions_no_truncate ON plan_revisions", "revision_items_no_truncate ON revision_items",
           "audit_events_no_truncate ON audit_events", "plan_revisions_no_delete ON plan_revisions",
           "revision_items_no_delete ON revision_items", "audit_events_no_delete ON audit_events",
           "plans_patient_fixed ON plans", "patients_fictional_fixed ON patients")
POSTGRESQL_GUARDS = (
    "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' THEN IF TG_TABLE_NAME = 'plan_revisions' THEN IF EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'revision_items' THEN IF EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'audit_events' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; END IF; END IF; RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    "CREATE OR REPLACE FUNCTION careplan_fixed_column() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%.% cannot be changed: it ties history to its patient', TG_TABLE_NAME, TG_ARGV[0]; END $$",
    'CREATE OR REPLACE TRIGGER plan_revisions_no_update BEFORE UPDATE OR DELETE ON plan_revisions FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER plan_revisions_no_delete BEFORE TRUNCATE ON plan_revisions FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER revision_items_no_update BEFORE UPDATE OR DELETE ON revision_items FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER revision_items_no_delete BEFORE TRUNCATE ON revision_items FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER audit_events_no_delete BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
    "CREATE OR REPLACE TRIGGER plans_patient_id_fixed BEFORE UPDATE OF patient_id ON plans FOR EACH ROW WHEN (OLD.patient_id IS NOT NULL AND OLD.patient_id IS DISTINCT FROM NEW.patient_id) EXECUTE FUNCTION careplan_fixed_column('patient_id')",
    "CREATE OR REPLACE TRIGGER patients_history_key_fixed BEFORE UPDATE OF history_key ON patients FOR EACH ROW WHEN (OLD.history_key IS NOT NULL AND OLD.history_key IS DISTINCT FROM NEW.history_key) EXECUTE FUNCTION careplan_fixed_column('history_key')",
    "CREATE OR REPLACE TRIGGER patients_fictional_fixed BEFORE UPDATE OF fictional ON patients FOR EACH ROW WHEN (OLD.fictional IS NOT NULL AND OLD.fictional IS DISTINCT FROM NEW.fictional) EXECUTE FUNCTION careplan_fixed_column('fictional')",
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Plain ALTER TABLE ... ADD COLUMN on both engines: no table is copied, no row is touched.
    op.add_column("patients", sa.Column("history_key", sa.String(length=32), nullable=True))
    # Patients with a plan get their key now; the others with their first revision.
    key = "lower(hex(randomblob(16)))" if sqlite else "replace(gen_random_uuid()::text, '-', '')"
    op.execute(f"UPDATE patients SET history_key = {key} WHERE id IN (SELECT patient_id FROM plans)")
    op.create_index("ix_patients_history_key", "patients", ["history_key"], unique=True)
    op.add_column("plan_revisions", sa.Column("hash_version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
    if sqlite:
        for name in SQLITE_DROP:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for trigger in PG_DROP:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP FUNCTION IF EXISTS careplan_history_delete()")
    for statement in SQLITE_GUARDS if sqlite else POSTGRESQL_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
