"""Append-only guards on the history tables, below the application.

SQLite drops a table's triggers when a batch migration copies and renames it, so every
migration run ends by calling ensure_append_only(), which is idempotent.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from careplan.persistence.models import HISTORY_TABLES

APPEND_ONLY_MESSAGE = "is append-only: history cannot be changed or deleted"


def trigger_names(table: str) -> list[str]:
    return [f"{table}_no_update", f"{table}_no_delete"]


def ensure_append_only(conn: Connection) -> None:
    # A table a later migration creates (assessments, 0005) is absent when upgrading to an older target.
    present = [t for t in HISTORY_TABLES if inspect(conn).has_table(t)]
    if conn.dialect.name == "sqlite":
        for table in present:
            for op, name in zip(("UPDATE", "DELETE"), trigger_names(table), strict=True):
                conn.execute(
                    text(
                        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END"
                    )
                )
    elif conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION '% {APPEND_ONLY_MESSAGE}', TG_TABLE_NAME; "
                "END $$"
            )
        )
        for table in present:
            upd, dele = trigger_names(table)
            conn.execute(
                text(
                    f"CREATE OR REPLACE TRIGGER {upd} BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION careplan_append_only()"
                )
            )
            conn.execute(
                text(
                    f"CREATE OR REPLACE TRIGGER {dele} BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()"
                )
            )
    else:  # pragma: no cover - only the two supported engines reach here
        raise RuntimeError(f"Unsupported database engine: {conn.dialect.name}")


def existing_triggers(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
    else:
        rows = conn.execute(
            text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema()"
            )
        )
    return {r[0] for r in rows}


def missing_triggers(conn: Connection) -> list[str]:
    have = existing_triggers(conn)
    return [n for t in HISTORY_TABLES for n in trigger_names(t) if n not in have]
