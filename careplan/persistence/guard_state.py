"""Are the guards the migrations installed still there, switched on and unchanged?

SQLite keeps each trigger's statement in sqlite_master: it must equal the one CarePlan
installs. PostgreSQL: each trigger must be enabled in the ordinary way (tgenabled 'O'; 'D' is
disabled, 'R' fires only under replication, 'A' always), defined as installed, and run a
CarePlan function whose source is unchanged. A trigger nobody installed on a guarded table
(one that silently drops new rows, say), a PostgreSQL rule or row-level security on a history
table are reported too; except CarePlan's own policies on audit_events after `admin init`,
which audit_access.problems() compares with what it installs.

What this cannot see: a guard switched off, used, and switched back on leaves no trace in
the catalogue. The hash chains and a seal catch what was changed meanwhile, not the window.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.engine import Connection

from careplan.persistence import audit_access, who
from careplan.persistence.models import HISTORY_TABLES
from careplan.persistence.triggers import FIXED_COLUMNS, PG_FUNCTIONS, guards
from careplan.persistence.who import stamp_problems, stamp_trigger_names

GUARDED_TABLES = (*HISTORY_TABLES, *(table for table, _ in FIXED_COLUMNS))
PG_ENABLED = {"D": "disabled", "R": "set to fire only for replication (ENABLE REPLICA)",
              "A": "set to ENABLE ALWAYS"}


def guard_problems(conn: Connection) -> list[str]:
    if conn.dialect.name == "sqlite":
        return _sqlite(conn)
    return _postgresql(conn)


def _sqlite(conn: Connection) -> list[str]:
    have = {name: (table, sql) for name, table, sql in
            conn.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")}
    out = []
    expected = guards("sqlite")
    for g in expected:
        if g.name not in have:
            out.append(f"Append-only guard missing: trigger {g.name}")
        elif have[g.name] != (g.table, g.sql.replace("CREATE TRIGGER IF NOT EXISTS ", "CREATE TRIGGER ", 1)):
            out.append(f"Append-only guard altered: trigger {g.name} is not the one CarePlan installed")
    return out + _strangers({name: table for name, (table, _) in have.items()}, {g.name for g in expected})


def _strangers(triggers: dict[str, str], expected: set[str]) -> list[str]:
    return [f"Unexpected trigger {name} on {table}, which CarePlan did not install"
            for name, table in sorted(triggers.items()) if table in GUARDED_TABLES and name not in expected]


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _postgresql(conn: Connection) -> list[str]:
    rows = conn.execute(text(
        "SELECT t.tgname, c.relname, t.tgenabled, pg_get_triggerdef(t.oid), p.proname, pn.nspname = n.nspname, "
        "p.prosrc, l.lanname, n.nspname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
        "JOIN pg_namespace pn ON pn.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema()")).all()
    have = {r[0]: r for r in rows}
    expected = guards("postgresql")
    out = []
    for g in expected:
        row = have.get(g.name)
        if row is None:
            out.append(f"Append-only guard missing: trigger {g.name}")
            continue
        _, table, enabled, definition, function, same_schema, source, language, schema = row
        if enabled != "O":
            out.append(f"Append-only guard {g.name} on {table} is {PG_ENABLED.get(enabled, enabled)}")
        if _normal(definition, schema) != _normal(g.sql, schema):
            out.append(f"Append-only guard altered: trigger {g.name} is not the one CarePlan installed")
        elif not same_schema or language != "plpgsql" or g.function != function or \
                _digest(source) != _digest(f" {PG_FUNCTIONS[function]} "):
            out.append(f"Append-only guard altered: function {function} of trigger {g.name} is not the one "
                       "CarePlan installed")
    # The who-stamps (`careplan admin init`) are CarePlan's too: missing or switched off is reported.
    out += _strangers({r[0]: r[1] for r in rows}, {g.name for g in expected} | stamp_trigger_names())
    out += stamp_problems(conn)
    out += audit_access.problems(conn)
    # Once initialised, audit_events has CarePlan's own row-level security, checked just above.
    policed = ("audit_events",) if who.is_initialised(conn) else ()
    tables = [t for t in GUARDED_TABLES if t not in policed]
    for (table,) in conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(:t) "
            "AND (c.relrowsecurity OR c.relforcerowsecurity) ORDER BY 1"), {"t": tables}):
        out.append(f"Row-level security is on for {table}: rows may be hidden from CarePlan and its check")
    for rule, table in conn.execute(text(
            "SELECT rulename, tablename FROM pg_rules WHERE schemaname = current_schema() "
            "AND tablename = ANY(:t) ORDER BY 2, 1"), {"t": tables}):
        out.append(f"Unexpected rule {rule} on {table}, which CarePlan did not install")
    return out


def _normal(definition: str, schema: str) -> list[str]:
    """A trigger definition in one comparable form. PostgreSQL writes it back in its own words:
    CREATE TRIGGER, the events in its own order, the table's schema, a WHEN condition with its
    own brackets and casts. What remains (timing, events, table, columns, row or statement,
    condition, function and its argument) must be as installed."""
    words = (definition.lower().replace("create or replace trigger", "create trigger").replace("::text", "")
             .replace("(", " ").replace(")", " ").replace(f"{schema.lower()}.", "").replace("public.", ""))
    return sorted(words.split())
