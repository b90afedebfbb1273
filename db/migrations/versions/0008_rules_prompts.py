"""Guideline rules (the clinic's to edit, like the catalogue) and the decisions on their prompts.

prompt_decisions is append-only like the assessments: a new decision is a new row, and a
demo patient's rows may go with the patient. The triggers below are the same SQL
careplan.persistence.triggers installs, written out so this migration stands alone; the
PostgreSQL guard function gains the prompt_decisions branch, so it is replaced too.

Revision ID: 0008_rules_prompts
Revises: 0007_course_assessments
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rules_prompts"
down_revision: str | None = "0007_course_assessments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER IF NOT EXISTS prompt_decisions_no_update BEFORE UPDATE ON prompt_decisions BEGIN SELECT RAISE(ABORT, 'prompt_decisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS prompt_decisions_no_delete BEFORE DELETE ON prompt_decisions WHEN NOT EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) BEGIN SELECT RAISE(ABORT, 'prompt_decisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS prompt_decisions_no_replace BEFORE INSERT ON prompt_decisions WHEN EXISTS (SELECT 1 FROM prompt_decisions WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'prompt_decisions is append-only: history cannot be changed or deleted'); END",
)
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' THEN IF TG_TABLE_NAME = 'plan_revisions' THEN IF EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'revision_items' THEN IF EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'audit_events' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'assessments' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'prompt_decisions' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; END IF; END IF; RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    "CREATE OR REPLACE TRIGGER prompt_decisions_no_update BEFORE UPDATE OR DELETE ON prompt_decisions FOR EACH ROW EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER prompt_decisions_no_delete BEFORE TRUNCATE ON prompt_decisions FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "guideline_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("when_json", sa.Text(), nullable=False),
        sa.Column("suggests_json", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("revisit", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("custom", sa.Boolean(), nullable=False),
        sa.Column("shipped_hash", sa.String(length=64), nullable=True),
        sa.Column("edited_by", sa.String(length=200), nullable=True),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guideline_rules")),
        sa.UniqueConstraint("code", name=op.f("uq_guideline_rules_code")),
    )
    op.create_table(
        "prompt_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("rule_hash", sa.String(length=64), nullable=False),
        sa.Column("facts_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.CheckConstraint("decision IN ('accepted', 'dismissed')", name=op.f("ck_prompt_decisions_decision")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_prompt_decisions_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_decisions")),
    )
    op.create_index("ix_prompt_decisions_patient_rule", "prompt_decisions", ["patient_id", "rule_code"])
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"Unsupported database engine: {dialect}")
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRESQL_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
