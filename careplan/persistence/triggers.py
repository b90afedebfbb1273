"""Append-only guards on the history tables, below the application.

SQLite drops a table's triggers when a batch migration copies and renames it, so every
migration run ends by calling ensure_append_only(), which is idempotent.

The one exception: history rows of fictional (demo) patients may be deleted, so
`careplan demo --remove` can take demo patients out with their whole history. The exception
is keyed on patients.fictional, which is fixed when the patient is inserted (a guard trigger
refuses to change it), and a plan cannot be moved to another patient (another guard): so no
statement can make a real patient's history deletable. Audit events with no patient are
never deletable.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from careplan.persistence.models import HISTORY_TABLES

APPEND_ONLY_MESSAGE = "is append-only: history cannot be changed or deleted"


def trigger_names(table: str) -> list[str]:
    return [f"{table}_no_update", f"{table}_no_delete"]


# Guards that keep the demo exception narrow (see the module docstring); also on PostgreSQL,
# TRUNCATE (which fires no row trigger) has its own.
GUARD_TRIGGERS = ("patients_fictional_fixed", "plans_patient_fixed")
PG_TRUNCATE = "{table}_no_truncate"

# For each history table: the SQL condition, on the row being deleted (OLD), that it belongs
# to a fictional patient. fictional is 0/1 on SQLite and boolean on PostgreSQL; "= TRUE" works on both.
_FICTIONAL_OWNER = {
    "plan_revisions": "EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id "
                      "WHERE p.id = OLD.plan_id AND pt.fictional = TRUE)",
    "revision_items": "EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id "
                      "JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE)",
    "audit_events": "EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE)",
}
FIXED_MESSAGE = "cannot change: it decides whether history may be removed"


def ensure_append_only(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table in HISTORY_TABLES:
            upd, dele = trigger_names(table)
            raise_ = f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END"
            conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {upd} BEFORE UPDATE ON {table} {raise_}"))
            conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {dele} BEFORE DELETE ON {table} "
                              f"WHEN NOT {_FICTIONAL_OWNER[table]} {raise_}"))
        for name, table, column in _guards(conn):
            conn.execute(text(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE OF {column} ON {table} "
                f"WHEN NEW.{column} IS NOT OLD.{column} "
                f"BEGIN SELECT RAISE(ABORT, '{table}.{column} {FIXED_MESSAGE}'); END"
            ))
    elif conn.dialect.name == "postgresql":
        _ensure_postgresql(conn)
    else:  # pragma: no cover - only the two supported engines reach here
        raise RuntimeError(f"Unsupported database engine: {conn.dialect.name}")


def _guards(conn: Connection) -> list[tuple[str, str, str]]:
    """(trigger, table, column) of the guards. None before migration 0004 added patients.fictional
    (a migration run can stop at an older target, and ends here too)."""
    if "fictional" not in {c["name"] for c in inspect(conn).get_columns("patients")}:
        return []
    return list(zip(GUARD_TRIGGERS, ("patients", "plans"), ("fictional", "patient_id"), strict=True))


def _ensure_postgresql(conn: Connection) -> None:
    conn.execute(text(
        "CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '% {APPEND_ONLY_MESSAGE}', TG_TABLE_NAME; END $$"
    ))
    # One branch per table: PL/pgSQL resolves OLD's columns only in the branch that runs.
    branches = " ELSIF ".join(f"TG_TABLE_NAME = '{t}' THEN IF {cond} THEN RETURN OLD; END IF;"
                              for t, cond in _FICTIONAL_OWNER.items())
    conn.execute(text(
        "CREATE OR REPLACE FUNCTION careplan_history_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF {branches} END IF; RAISE EXCEPTION '% {APPEND_ONLY_MESSAGE}', TG_TABLE_NAME; END $$"
    ))
    conn.execute(text(
        "CREATE OR REPLACE FUNCTION careplan_fixed_column() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '%.% {FIXED_MESSAGE}', TG_TABLE_NAME, TG_ARGV[0]; END $$"
    ))
    for table in HISTORY_TABLES:
        upd, dele = trigger_names(table)
        conn.execute(text(f"CREATE OR REPLACE TRIGGER {upd} BEFORE UPDATE ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION careplan_append_only()"))
        conn.execute(text(f"CREATE OR REPLACE TRIGGER {dele} BEFORE DELETE ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION careplan_history_delete()"))
        conn.execute(text(f"CREATE OR REPLACE TRIGGER {PG_TRUNCATE.format(table=table)} BEFORE TRUNCATE ON {table} "
                          "FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()"))
    for name, table, column in _guards(conn):
        conn.execute(text(
            f"CREATE OR REPLACE TRIGGER {name} BEFORE UPDATE OF {column} ON {table} FOR EACH ROW "
            f"WHEN (NEW.{column} IS DISTINCT FROM OLD.{column}) EXECUTE FUNCTION careplan_fixed_column('{column}')"
        ))


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
    wanted = [n for t in HISTORY_TABLES for n in trigger_names(t)] + list(GUARD_TRIGGERS)
    if conn.dialect.name == "postgresql":
        wanted += [PG_TRUNCATE.format(table=t) for t in HISTORY_TABLES]
    return [n for n in wanted if n not in have]
