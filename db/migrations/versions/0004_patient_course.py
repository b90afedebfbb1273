"""Patients gain their whole course: a lifecycle status and the facts the ALS course needs.

status: active, discharged (status_reason says why), deceased (status_date is the date of
death) or archived (kept, hidden from the default list). A status change is an audited event;
patients are never deleted. fictional marks demo patients so `demo --remove` can remove only
them. onset_date, usual_weight_kg and height_cm feed the progression rate, weight change and BMI.

Revision ID: 0004_patient_course
Revises: 0003_app_meta
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_patient_course"
down_revision: str | None = "0003_app_meta"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="active"))
        batch.add_column(sa.Column("status_reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("status_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("fictional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("onset_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("usual_weight_kg", sa.Float(), nullable=True))
        batch.add_column(sa.Column("height_cm", sa.Float(), nullable=True))
        batch.create_check_constraint(
            "ck_patients_patient_status", "status IN ('active', 'discharged', 'deceased', 'archived')"
        )
        batch.create_index("ix_patients_status", ["status"])


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
