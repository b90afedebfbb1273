"""Schema versions this build knows, without importing Alembic (which is slow to import).

tests/test_migrations.py proves these match db/migrations/versions.
"""

from __future__ import annotations

KNOWN_REVISIONS = ("0001_initial", "0002_item_status_check", "0003_app_meta", "0004_patient_course",
                   "0005_life_demo_removal", "0006_seal_history", "0007_course_assessments",
                   "0008_rules_prompts",
                   "0009_signatures", "0010_templates", "0011_roles_staff")
HEAD = KNOWN_REVISIONS[-1]
