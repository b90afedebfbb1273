"""Enforce plan and item status values in the database itself.

A CHECK constraint cannot be added to an existing SQLite table, so this is a batch
migration: each table is copied, dropped and renamed. It runs with foreign keys off (see
careplan.persistence.migrate) and re-installs the append-only triggers the copy drops.

Revision ID: 0002_item_status_check
Revises: 0001_initial
Create Date: 2026-11-20
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from careplan.persistence.triggers import ensure_append_only

revision: str = "0002_item_status_check"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_STATUSES = "('planned','active','on_hold','completed','declined','stopped')"
PLAN_STATUSES = "('draft','active')"


def upgrade() -> None:
    with op.batch_alter_table("revision_items", recreate="auto") as batch:
        batch.create_check_constraint("item_status", f"status IN {ITEM_STATUSES}")
    with op.batch_alter_table("plan_revisions", recreate="auto") as batch:
        batch.create_check_constraint("plan_status", f"status IN {PLAN_STATUSES}")
    ensure_append_only(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
