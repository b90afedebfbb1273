"""History that check can prove: revision hashes tied to the patient, a hash-chained audit log,
and guards against REPLACE and against moving a plan to another patient.

Nothing already written is rewritten: existing revisions keep hash_version 1 (their hash does
not cover the patient) and are verified as they were made; new revisions get hash_version 2,
whose hash covers patients.history_key. Existing audit rows keep prev_hash/hash NULL and are
covered by a seal (`careplan check --seal`); new rows are chained.

Revision ID: 0005_seal_history
Revises: 0004_patient_course
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_seal_history"
down_revision: str | None = "0004_patient_course"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out as they stood when this migration was written (careplan.persistence.triggers
# re-installs the current guards after every upgrade, and tests/test_migrations.py proves both agree).
_APPEND_ONLY = "BEGIN SELECT RAISE(ABORT, '{t} is append-only: history cannot be changed or deleted'); END"
SQLITE_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_replace BEFORE INSERT ON plan_revisions WHEN EXISTS "
    "(SELECT 1 FROM plan_revisions WHERE id = NEW.id) " + _APPEND_ONLY.format(t="plan_revisions"),
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_replace_plan_id_number BEFORE INSERT ON plan_revisions WHEN EXISTS "
    "(SELECT 1 FROM plan_revisions WHERE plan_id = NEW.plan_id AND number = NEW.number) BEGIN SELECT RAISE(ABORT, "
    "'UNIQUE constraint failed: plan_revisions.plan_id, plan_revisions.number'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_replace BEFORE INSERT ON revision_items WHEN EXISTS "
    "(SELECT 1 FROM revision_items WHERE id = NEW.id) " + _APPEND_ONLY.format(t="revision_items"),
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_replace BEFORE INSERT ON audit_events WHEN EXISTS "
    "(SELECT 1 FROM audit_events WHERE id = NEW.id) " + _APPEND_ONLY.format(t="audit_events"),
    "CREATE TRIGGER IF NOT EXISTS plans_patient_id_fixed BEFORE UPDATE OF patient_id ON plans "
    "WHEN OLD.patient_id IS NOT NULL AND NEW.patient_id IS NOT OLD.patient_id "
    "BEGIN SELECT RAISE(ABORT, 'plans.patient_id cannot be changed: it ties history to its patient'); END",
    "CREATE TRIGGER IF NOT EXISTS patients_history_key_fixed BEFORE UPDATE OF history_key ON patients "
    "WHEN OLD.history_key IS NOT NULL AND NEW.history_key IS NOT OLD.history_key "
    "BEGIN SELECT RAISE(ABORT, 'patients.history_key cannot be changed: it ties history to its patient'); END",
)
POSTGRESQL_GUARDS = (
    "CREATE OR REPLACE FUNCTION careplan_fixed_column() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '%.% cannot be changed: it ties history to its patient', TG_TABLE_NAME, TG_ARGV[0]; END $$",
    "CREATE OR REPLACE TRIGGER plans_patient_id_fixed BEFORE UPDATE OF patient_id ON plans FOR EACH ROW "
    "WHEN (OLD.patient_id IS NOT NULL AND OLD.patient_id IS DISTINCT FROM NEW.patient_id) EXECUTE FUNCTION careplan_fixed_column('patient_id')",
    "CREATE OR REPLACE TRIGGER patients_history_key_fixed BEFORE UPDATE OF history_key ON patients FOR EACH ROW "
    "WHEN (OLD.history_key IS NOT NULL AND OLD.history_key IS DISTINCT FROM NEW.history_key) EXECUTE FUNCTION careplan_fixed_column('history_key')",
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
    for statement in SQLITE_GUARDS if sqlite else POSTGRESQL_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
