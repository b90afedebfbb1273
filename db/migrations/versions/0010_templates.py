"""Starter plans (templates) in the database, so the clinic can add, edit and retire them.

Seeded from the shipped templates.yaml by the app (services/templates.py sync), like the
catalogue: `shipped_hash` is the hash of the shipped text a row was seeded from, so an upgrade
updates rows the clinic left alone and keeps the ones it edited. Not history: rows are edited
in place (the audit log keeps what changed), with `version_id` for optimistic concurrency.

Revision ID: 0010_templates
Revises: 0009_signatures
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_templates"
down_revision: str | None = "0009_signatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("applies_when", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        # The items (catalogue code, who helps, starting status, frequency, goal) as a JSON list:
        # always read and written whole, with the template, never queried one by one.
        sa.Column("items_json", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("custom", sa.Boolean(), nullable=False),
        sa.Column("shipped_hash", sa.String(length=64), nullable=True),
        sa.Column("edited_by", sa.String(length=200), nullable=True),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_templates_template_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("code", name=op.f("uq_templates_code")),
    )


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
