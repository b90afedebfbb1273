"""Alembic migrations: installed as careplan.migrations, located through careplan.paths.

Each migration carries its own SQL and imports nothing from careplan (tests/test_migrations.py
checks), so an old migration keeps meaning what it meant when it was written.
"""
