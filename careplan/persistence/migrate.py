"""Running Alembic migrations in code, safely for a database full of history.

SQLite: a batch migration copies a table, drops the old one and renames the copy. With
foreign keys on, that drop would cascade into child rows, and it always drops the table's
triggers. So migrations run with foreign keys off, end with PRAGMA foreign_key_check, and
re-install the append-only triggers, all inside one transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from careplan import atomic_file
from careplan.paths import migrations_dir
from careplan.persistence import schema, sqlite_file
from careplan.persistence.errors import DatabaseOpenError
from careplan.persistence.triggers import ensure_append_only

log = logging.getLogger(__name__)


class Migratable(Protocol):
    """What an upgrade needs of a database. persistence.engine.Database has it; this module
    names the shape instead of importing engine, which calls upgrade() when it opens a
    database: the dependency goes one way, engine -> migrate (an import-linter contract)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def path(self) -> Path | None: ...


@contextmanager
def alembic_config() -> Iterator[Config]:
    """Alembic's configuration, valid inside the block (the script folder is located for it)."""
    with migrations_dir() as folder:
        cfg = Config()
        cfg.set_main_option("script_location", str(folder))
        yield cfg


def script_revisions() -> list[str]:
    """Revision ids from base to head."""
    with alembic_config() as cfg:
        script = ScriptDirectory.from_config(cfg)
        return [r.revision for r in reversed(list(script.walk_revisions()))]


def current_revision(db: Migratable) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def sqlite_backup(src: Path, dest: Path, *, exclusive: bool = True) -> Path:
    """A consistent copy through SQLite's online backup API, owner-readable only.

    exclusive=False fills an empty private file the caller already made (a staged output)."""
    import os

    if exclusive:
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    source = sqlite_file.read_only_connect(src, timeout=5.0)  # also from read-only media
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return dest


def backup_path_for_upgrade(path: Path, from_version: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.name}.before-{schema.HEAD}-from-{from_version}-{stamp}.bak")


def upgrade(db: Migratable, *, from_version: str | None, backup: bool = True, target: str = "head") -> Path | None:
    """Bring the schema to `target`; returns the backup taken first, if any."""
    backup_file = None
    if backup and from_version is not None and db.path is not None:
        backup_file = backup_path_for_upgrade(db.path, from_version)
        # Staged and renamed, so a killed upgrade never leaves half a backup that looks whole.
        with atomic_file.staged(backup_file) as stage:
            stage.file.close()
            sqlite_backup(db.path, stage.path, exclusive=False)
            stage.commit()
        log.info("Backed up the database before upgrading its schema to %s", backup_file)
    with alembic_config() as cfg, db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Must run outside a transaction, or SQLite ignores it.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, target)
                ensure_append_only(conn, at_head=target in ("head", schema.HEAD))
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        tables = sorted({row[0] for row in broken})
                        raise DatabaseOpenError(
                            f"Upgrading the schema would leave rows pointing at missing records in {', '.join(tables)}; "
                            "the upgrade was undone and nothing changed."
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    return backup_file
