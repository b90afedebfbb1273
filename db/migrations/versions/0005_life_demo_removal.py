"""Demo patients can be removed with their history; real patients' history stays append-only.

The history tables' delete triggers are dropped here and re-created by the migration runner
(careplan/persistence/triggers.py ensure_append_only, in the same transaction) in their new
form: a delete is refused unless the row belongs to a patient inserted as fictional. Guard
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


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in HISTORY_TABLES:
        # SQLite re-creates with IF NOT EXISTS, so the old unconditional trigger must go first;
        # on PostgreSQL the old one fired on TRUNCATE, the new one on DELETE.
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete" + ("" if sqlite else f" ON {table}"))


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
