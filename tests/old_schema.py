"""Databases at an older schema, holding history written by today's services."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from careplan.domain.plan import HASH_VERSION
from careplan.persistence.engine import Database, open_database
from careplan.persistence.migrate import upgrade
from careplan.persistence.models import Base
from careplan.services import history


def at_first_schema(path: Path, build: Callable[[Database], object]) -> None:
    """A database at the first schema holding what `build` saves with today's services.

    The services speak today's schema, so the rows are built in a current database and copied,
    column by column where the first schema has the column, into one created at 0001.
    """
    source = path.with_suffix(".head.sqlite3")
    db = open_database(str(source))
    # Revisions saved before schema 0005 were hashed without their patient (hash version 1).
    with mock.patch.object(history, "HASH_VERSION", HASH_VERSION + 1):
        build(db)
    db.dispose()
    db = open_database(str(path), migrate=False)
    upgrade(db, from_version=None, target="0001_initial")
    db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("ATTACH DATABASE ? AS head", (str(source),))
    tables = [t.name for t in Base.metadata.sorted_tables]
    old_tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in tables:
        if table not in old_tables:
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
        names = ", ".join(f'"{c}"' for c in columns)
        conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM head.{table}")
    conn.commit()
    conn.close()
    source.unlink()


def column_names(path: Path, tables: tuple[str, ...]) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        conn.close()
