"""Signatures with meaning on revisions: authored (given by saving), reviewed, approved.

Append-only like the rest of history; each signature hash-links to the one before it on the
same revision (careplan.domain.signature). Revisions saved before this schema have no
"authored" signature, and nothing is made up for them: `careplan check` does not ask for one.
The triggers below are the same SQL careplan.persistence.triggers installs, written out so this
migration stands alone.

Revision ID: 0009_signatures
Revises: 0008_rules_prompts
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_signatures"
down_revision: str | None = "0008_rules_prompts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RAISE = "BEGIN SELECT RAISE(ABORT, 'revision_signatures is append-only: history cannot be changed or deleted'); END"
_DEMO = ("EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON "
         "pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE)")
SQLITE_APPEND_ONLY = (
    f"CREATE TRIGGER IF NOT EXISTS revision_signatures_no_update BEFORE UPDATE ON revision_signatures {_RAISE}",
    f"CREATE TRIGGER IF NOT EXISTS revision_signatures_no_delete BEFORE DELETE ON revision_signatures WHEN NOT {_DEMO} {_RAISE}",
    "CREATE TRIGGER IF NOT EXISTS revision_signatures_no_replace BEFORE INSERT ON revision_signatures WHEN EXISTS "
    f"(SELECT 1 FROM revision_signatures WHERE id = NEW.id) {_RAISE}",
)
# The guard function gains the demo-patient exception for signatures, so it is replaced too.
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' THEN IF TG_TABLE_NAME = 'plan_revisions' THEN IF EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id WHERE p.id = OLD.plan_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'revision_items' THEN IF EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'audit_events' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'assessments' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; "
    f"ELSIF TG_TABLE_NAME = 'prompt_decisions' THEN IF EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE) THEN RETURN OLD; END IF; ELSIF TG_TABLE_NAME = 'revision_signatures' THEN IF {_DEMO} THEN RETURN OLD; END IF; END IF; END IF; RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    "CREATE OR REPLACE TRIGGER revision_signatures_no_update BEFORE UPDATE OR DELETE ON revision_signatures FOR EACH ROW EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER revision_signatures_no_delete BEFORE TRUNCATE ON revision_signatures FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "revision_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("meaning", sa.String(length=16), nullable=False),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("printed_name", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("meaning IN ('authored', 'reviewed', 'approved')",
                           name=op.f("ck_revision_signatures_meaning")),
        sa.ForeignKeyConstraint(["revision_id"], ["plan_revisions.id"],
                                name=op.f("fk_revision_signatures_revision_id_plan_revisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision_signatures")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_revision_signatures_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_revision_signatures_hash")),
    )
    op.create_index("ix_revision_signatures_revision_id", "revision_signatures", ["revision_id"])
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"Unsupported database engine: {dialect}")
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRESQL_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
