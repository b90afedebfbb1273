"""initial schema

Revision ID: 0001_initial
Revises: (none)
Create Date: 2026-11-20 21:54:33.071911
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001_initial'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# History is append-only from its first row. The guards are spelled out as they stood when
# this schema was written (careplan.persistence.triggers re-checks them after every upgrade),
# so a later change to the app cannot change what this migration did.
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_update BEFORE UPDATE ON plan_revisions BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_revisions_no_delete BEFORE DELETE ON plan_revisions BEGIN SELECT RAISE(ABORT, 'plan_revisions is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_update BEFORE UPDATE ON revision_items BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS revision_items_no_delete BEFORE DELETE ON revision_items BEGIN SELECT RAISE(ABORT, 'revision_items is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: history cannot be changed or deleted'); END",
)
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only: history cannot be changed or deleted', TG_TABLE_NAME; END $$",
    "CREATE OR REPLACE TRIGGER plan_revisions_no_update BEFORE UPDATE OR DELETE ON plan_revisions FOR EACH ROW EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER plan_revisions_no_delete BEFORE TRUNCATE ON plan_revisions FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER revision_items_no_update BEFORE UPDATE OR DELETE ON revision_items FOR EACH ROW EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER revision_items_no_delete BEFORE TRUNCATE ON revision_items FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION careplan_append_only()",
    "CREATE OR REPLACE TRIGGER audit_events_no_delete BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()",
)


def upgrade() -> None:
    op.create_table('catalogue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('discipline', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('clinical_description', sa.Text(), nullable=False),
    sa.Column('caregiver_instructions', sa.Text(), nullable=False),
    sa.Column('frequency', sa.String(length=500), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('safety_notes', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('custom', sa.Boolean(), nullable=False),
    sa.Column('shipped_hash', sa.String(length=64), nullable=True),
    sa.Column('edited_by', sa.String(length=200), nullable=True),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_items')),
    sa.UniqueConstraint('code', name=op.f('uq_catalogue_items_code'))
    )
    with op.batch_alter_table('catalogue_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_items_discipline'), ['discipline'], unique=False)

    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('search_name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('diagnosis_date', sa.Date(), nullable=True),
    sa.Column('onset_site', sa.String(length=16), nullable=True),
    sa.Column('preferred_language', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('mrn', name=op.f('uq_patients_mrn'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patients_search_name'), ['search_name'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('entity_key', sa.String(length=200), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_audit_events_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_events_patient_at', ['patient_id', 'at'], unique=False)

    op.create_table('care_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_care_team_members_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_team_members'))
    )
    with op.batch_alter_table('care_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_team_members_patient_id'), ['patient_id'], unique=False)

    op.create_table('caregivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('relationship', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_caregivers_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caregivers'))
    )
    with op.batch_alter_table('caregivers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caregivers_patient_id'), ['patient_id'], unique=False)

    op.create_table('plan_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_plan_drafts_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_drafts')),
    sa.UniqueConstraint('patient_id', 'author', name='uq_plan_drafts_patient_author')
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('current_revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_plans_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('patient_id', name=op.f('uq_plans_patient_id'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_next_review'), ['next_review'], unique=False)

    op.create_table('plan_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('goals_json', sa.Text(), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_revisions_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revisions')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_revisions_plan_number')
    )
    op.create_table('revision_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=80), nullable=False),
    sa.Column('catalogue_code', sa.String(length=64), nullable=False),
    sa.Column('discipline', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('caregiver_instructions', sa.Text(), nullable=False),
    sa.Column('clinical_description', sa.Text(), nullable=False),
    sa.Column('frequency', sa.String(length=500), nullable=False),
    sa.Column('responsible', sa.String(length=300), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['plan_revisions.id'], name=op.f('fk_revision_items_revision_id_plan_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revision_items'))
    )
    with op.batch_alter_table('revision_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revision_items_revision_id'), ['revision_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"Unsupported database engine: {dialect}")
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRESQL_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("CarePlan never migrates down: history must not be dropped.")
