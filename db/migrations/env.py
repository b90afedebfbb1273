"""Alembic environment: migrations run in code, on a connection the app hands over.

CarePlan never runs `alembic` against a URL from a config file: careplan.persistence.migrate
passes the connection (with SQLite foreign keys already off) in config.attributes.

Nothing here imports careplan: a migration means what it said when it was written, whatever
the app's models say today. So target_metadata is None: only `alembic revision --autogenerate`
reads it. To draft a new migration, set it to careplan.persistence.models.Base.metadata for
that one command, then make the script self-contained (its own SQL, no careplan imports).
"""

from __future__ import annotations

from alembic import context

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Run migrations through careplan.persistence.migrate, which supplies the connection.")
    context.configure(
        connection=connection,
        target_metadata=None,
        render_as_batch=True,  # SQLite alters tables by copy-and-rename
        compare_type=True,
    )
    context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline (SQL script) migrations are not supported.")
run_migrations_online()
