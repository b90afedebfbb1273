"""Who, as the computer knows them: audit_events.login beside the printed name (issue 16).

The printed name (actor) is what a person typed once, or on a shared server what the staff table
holds for their login. `login` records the login itself: on PostgreSQL the server fills it from
session_user (a column default, so the client need not and, after `careplan admin init`, may not
say otherwise); on SQLite the app writes the operating-system login. Rows written before this
schema keep NULL: the default is set after the column is added, so no history row is changed.

The staff table, the group roles and the who-stamp triggers are not created here: they belong
to a server's set-up (`careplan admin init`), which an SQLite file never has.

Revision ID: 0011_roles_staff
Revises: 0010_templates
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_roles_staff"
down_revision: str | None = "0010_templates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): SQLite keeps the table and its triggers as they are.
    op.add_column("audit_events", sa.Column("login", sa.String(length=63), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events ALTER COLUMN login SET DEFAULT session_user")


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
