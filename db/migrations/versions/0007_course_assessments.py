"""The ALS course: dated, attributed assessments (ALSFRS-R, FVC, SNIP, weight, NIV, gastrostomy).

Append-only like the plan revisions: a correction is a new row whose `supersedes` names the row
it replaces (unique, so each row is superseded at most once). The triggers below are the same
SQL careplan.persistence.triggers installs, written out so this migration stands alone.

Revision ID: 0007_course_assessments
Revises: 0006_seal_history
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_course_assessments"
down_revision: str | None = "0006_seal_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The guard function gains the demo-patient exception for assessments, so it is replaced too.
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER IF NOT EXISTS assessments_no_update BEFORE UPDATE ON assessments BEGIN SELECT RAISE(ABORT, 'assessments is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS assessments_no_delete BEFORE DELETE ON assessments WHEN NOT EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'assessments is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS assessments_no_replace BEFORE INSERT ON assessments WHEN EXISTS (SELECT 1 FROM assessments WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'assessments is append-only: history cannot be changed or deleted'); END",
)
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' THEN IF TG_TABLE_NAME = 'plan_revisions' THEN IF EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'revision_items' THEN IF EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'audit_events' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'assessments' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; END IF; END IF; RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    'CREATE OR REPLACE TRIGGER assessments_no_update BEFORE UPDATE OR DELETE ON assessments FOR EACH ROW EXECUTE FUNCTION careplan_append_only()',
    'CREATE OR REPLACE TRIGGER assessments_no_delete BEFORE TRUNCATE ON assessments FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()',
)


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("alsfrs", sa.String(length=32), nullable=True),
        sa.Column("fvc_pct", sa.Float(), nullable=True),
        sa.Column("fvc_litres", sa.Float(), nullable=True),
        sa.Column("fvc_position", sa.String(length=8), nullable=True),
        sa.Column("snip_cmh2o", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("niv", sa.String(length=16), nullable=True),
        sa.Column("gastrostomy", sa.String(length=16), nullable=True),
        sa.Column("kings_recorded", sa.String(length=4), nullable=True),
        sa.CheckConstraint("niv IN ('in-use', 'offered', 'declined')", name=op.f("ck_assessments_niv")),
        sa.CheckConstraint("gastrostomy IN ('in-use', 'offered', 'declined')",
                           name=op.f("ck_assessments_gastrostomy")),
        sa.CheckConstraint("fvc_position IN ('sitting', 'lying')", name=op.f("ck_assessments_fvc_position")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_assessments_patient_id_patients")),
        sa.ForeignKeyConstraint(["supersedes"], ["assessments.id"],
                                name=op.f("fk_assessments_supersedes_assessments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("supersedes", name=op.f("uq_assessments_supersedes")),
    )
    op.create_index("ix_assessments_patient_assessed", "assessments", ["patient_id", "assessed_on"])
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"Unsupported database engine: {dialect}")
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRESQL_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
