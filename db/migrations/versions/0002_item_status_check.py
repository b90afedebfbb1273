"""Enforce plan and item status values in the database itself.

A CHECK constraint cannot be added to an existing SQLite table, so this is a batch
migration: each table is copied, dropped and renamed. It runs with foreign keys off (see
careplan.persistence.migrate) and re-installs the append-only triggers the copy drops, with
their SQL as it stood then. PostgreSQL adds the constraints in place and keeps its triggers.

Revision ID: 0002_item_status_check
Revises: 0001_initial
Create Date: 2026-11-20
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_item_status_check"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_STATUSES = "('planned','active','on_hold','completed','declined','stopped')"
PLAN_STATUSES = "('draft','active')"
# The triggers of the two tables this migration copies; the same SQL as 0001_initial's.
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_update BEFORE UPDATE ON plan_revisions BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_delete BEFORE DELETE ON plan_revisions BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_update BEFORE UPDATE ON revision_items BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_delete BEFORE DELETE ON revision_items BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
)


def upgrade() -> None:
    with op.batch_alter_table("revision_items", recreate="auto") as batch:
        # The full name the app's naming convention gave it when this migration was written.
        batch.create_check_constraint("ck_revision_items_item_status", f"status IN {ITEM_STATUSES}")
    with op.batch_alter_table("plan_revisions", recreate="auto") as batch:
        batch.create_check_constraint("ck_plan_revisions_plan_status", f"status IN {PLAN_STATUSES}")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
