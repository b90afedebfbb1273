"""A small key/value table for facts about the database itself.

First use: the digest of the catalogue file last synced, so start-up can skip parsing and
validating the catalogue when it has not changed.

Revision ID: 0003_app_meta
Revises: 0002_item_status_check
Create Date: 2026-11-20
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_app_meta"
down_revision: str | None = "0002_item_status_check"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_meta")),
    )


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
