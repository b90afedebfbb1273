"""Guards on the history, below the application: the one place their SQL is written.

Append-only guards refuse UPDATE and DELETE on every history table (and TRUNCATE on
PostgreSQL). On SQLite a REPLACE deletes the row it replaces without firing delete triggers
unless recursive_triggers is on, which a plain sqlite3 shell does not set: so a BEFORE INSERT
guard also refuses any row whose key is already taken. Two more guards keep a plan tied to its
patient: plans.patient_id and patients.history_key (which every newer revision hash covers)
never change once set.

The one exception: history rows of fictional (demo) patients may be deleted, so
`careplan demo --remove` can take demo patients out with their whole history. The exception
is keyed on patients.fictional, which is fixed when the patient is inserted (a guard refuses to
change it), and a plan cannot be moved to another patient: so no statement can make a real
patient's history deletable. Audit events with no patient are never deletable.

SQLite drops a table's triggers when a batch migration copies and renames it, so every
migration run ends by calling ensure_append_only(), which is idempotent. `careplan check`
compares what the database holds with guard_statements(), so a guard that was dropped,
disabled or replaced is reported (see check_guards.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from careplan.persistence.models import HISTORY_TABLES

APPEND_ONLY_MESSAGE = "is append-only: history cannot be changed or deleted"
FIXED_MESSAGE = "cannot be changed: it ties history to its patient"
# Keys a REPLACE could collide on, besides the id.
UNIQUE_KEYS = {"plan_revisions": ("plan_id", "number")}
# Columns that tie history to a patient: (table, column).
FIXED_COLUMNS = (("plans", "patient_id"), ("patients", "history_key"), ("patients", "fictional"))

# For each history table: the SQL condition, on the row being deleted (OLD), that it belongs to
# a fictional patient. fictional is 0/1 on SQLite and boolean on PostgreSQL; "= TRUE" works on both.
FICTIONAL_OWNER = {
    "plan_revisions": "EXISTS (SELECT 1 FROM plans p JOIN patients pt ON pt.id = p.patient_id "
                      "WHERE p.id = OLD.plan_id AND pt.fictional = TRUE)",
    "revision_items": "EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id "
                      "JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE)",
    "audit_events": "EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE)",
    "assessments": "EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE)",
    "prompt_decisions": "EXISTS (SELECT 1 FROM patients pt WHERE pt.id = OLD.patient_id AND pt.fictional = TRUE)",
    "revision_signatures": "EXISTS (SELECT 1 FROM plan_revisions r JOIN plans p ON p.id = r.plan_id "
                           "JOIN patients pt ON pt.id = p.patient_id WHERE r.id = OLD.revision_id AND pt.fictional = TRUE)",
}
# PL/pgSQL resolves OLD's columns only in the branch that runs: one branch per table.
_PG_DEMO_BRANCHES = " ELSIF ".join(f"TG_TABLE_NAME = '{t}' THEN IF {cond} THEN RETURN OLD; END IF;"
                                   for t, cond in FICTIONAL_OWNER.items())

PG_FUNCTIONS = {
    "careplan_append_only": f"BEGIN IF TG_OP = 'DELETE' THEN IF {_PG_DEMO_BRANCHES} END IF; END IF; "
                            f"RAISE EXCEPTION '% {APPEND_ONLY_MESSAGE}', TG_TABLE_NAME; END",
    "careplan_fixed_column": f"BEGIN RAISE EXCEPTION '%.% {FIXED_MESSAGE}', TG_TABLE_NAME, TG_ARGV[0]; END",
}


@dataclass(frozen=True)
class Guard:
    name: str
    table: str
    sql: str  # the statement that installs it
    function: str | None = None  # PostgreSQL: the trigger function it runs


def trigger_names(table: str) -> list[str]:
    """The update and delete guards of a history table, on both databases."""
    return [f"{table}_no_update", f"{table}_no_delete"]


def _sqlite_guards() -> list[Guard]:
    out = []
    for table in HISTORY_TABLES:
        raise_ = f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END"
        upd, dele = trigger_names(table)
        out.append(Guard(upd, table, f"CREATE TRIGGER IF NOT EXISTS {upd} BEFORE UPDATE ON {table} {raise_}"))
        unless = f"WHEN NOT {FICTIONAL_OWNER[table]} " if table in FICTIONAL_OWNER else ""
        out.append(Guard(dele, table, f"CREATE TRIGGER IF NOT EXISTS {dele} BEFORE DELETE ON {table} {unless}{raise_}"))
        out.append(Guard(f"{table}_no_replace", table,
                         f"CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table} "
                         f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) {raise_}"))
        if table in UNIQUE_KEYS:
            # Refused in SQLite's own words, so a conflict still names its constraint (errors.py).
            cols = UNIQUE_KEYS[table]
            name = f"{table}_no_replace_{'_'.join(cols)}"
            taken = " AND ".join(f"{c} = NEW.{c}" for c in cols)
            out.append(Guard(name, table, f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE INSERT ON {table} "
                                          f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {taken}) BEGIN SELECT RAISE(ABORT, "
                                          f"'UNIQUE constraint failed: {', '.join(f'{table}.{c}' for c in cols)}'); END"))
    for table, column in FIXED_COLUMNS:
        name = f"{table}_{column}_fixed"
        out.append(Guard(name, table,
                         f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE OF {column} ON {table} "
                         f"WHEN OLD.{column} IS NOT NULL AND NEW.{column} IS NOT OLD.{column} "
                         f"BEGIN SELECT RAISE(ABORT, '{table}.{column} {FIXED_MESSAGE}'); END"))
    return out


def _postgresql_guards() -> list[Guard]:
    out = []
    for table in HISTORY_TABLES:
        upd, dele = trigger_names(table)
        out.append(Guard(upd, table, f"CREATE OR REPLACE TRIGGER {upd} BEFORE UPDATE OR DELETE ON {table} "
                                     "FOR EACH ROW EXECUTE FUNCTION careplan_append_only()", "careplan_append_only"))
        out.append(Guard(dele, table, f"CREATE OR REPLACE TRIGGER {dele} BEFORE TRUNCATE ON {table} "
                                      "FOR EACH STATEMENT EXECUTE FUNCTION careplan_append_only()",
                         "careplan_append_only"))
    for table, column in FIXED_COLUMNS:
        name = f"{table}_{column}_fixed"
        out.append(Guard(name, table,
                         f"CREATE OR REPLACE TRIGGER {name} BEFORE UPDATE OF {column} ON {table} FOR EACH ROW "
                         f"WHEN (OLD.{column} IS NOT NULL AND OLD.{column} IS DISTINCT FROM NEW.{column}) "
                         f"EXECUTE FUNCTION careplan_fixed_column('{column}')", "careplan_fixed_column"))
    return out


def guards(dialect: str) -> list[Guard]:
    if dialect == "sqlite":
        return _sqlite_guards()
    if dialect == "postgresql":
        return _postgresql_guards()
    raise RuntimeError(f"Unsupported database engine: {dialect}")  # pragma: no cover


def function_statement(name: str) -> str:
    return f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {PG_FUNCTIONS[name]} $$"


def guard_statements(dialect: str, *, at_head: bool = True, tables: set[str] | None = None) -> list[str]:
    """Every statement that installs the guards, in order (functions before their triggers).

    Below the newest schema (`at_head` False: an upgrade that stopped early) only the update and
    delete guards the first schema had, and only on `tables` (those that exist yet): the others
    name columns or tables an older schema lacks.
    """
    first = {n for t in HISTORY_TABLES for n in trigger_names(t)}
    wanted = [g for g in guards(dialect) if at_head or (g.name in first and (tables is None or g.table in tables))]
    functions = [function_statement(n) for n in PG_FUNCTIONS if any(g.function == n for g in wanted)]
    return [*functions, *(g.sql for g in wanted)]


def ensure_append_only(conn: Connection, *, at_head: bool = True) -> None:
    tables = None if at_head else set(inspect(conn).get_table_names())
    for statement in guard_statements(conn.dialect.name, at_head=at_head, tables=tables):
        conn.execute(text(statement))


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
    return [g.name for g in guards(conn.dialect.name) if g.name not in have]
