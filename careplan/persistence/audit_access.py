"""Access events are for admins: row-level security on audit_events (PostgreSQL, after `admin init`).

Opening a patient, printing and exporting are audit events (services/access.py). Who looked at
whose record is itself sensitive, so on an initialised server only careplan_admin members (and
the owner, who is not subject to the table's row-level security) can read those rows; viewers
and editors read every other event. Reading a record is access too, so a viewer may add access
events (and only those: an INSERT policy); editors and admins add any event, as before.

The audit log is one hash chain, so hiding rows must not break its verification or its next
link for a login that cannot see them. Two SECURITY DEFINER functions, owned by the owner (who
sees every row), give out links without content:

- careplan_audit_head(): the newest hash, which a new event links to (audit_chain.link);
- careplan_audit_links(): every entry's id, prev_hash and hash, and for an access event whether
  its content still matches its hash (recomputed by the server, the same canonical JSON as
  audit_chain.event_hash), plus careplan_audit_legacy(): the digest of the entries from before
  the chain. `careplan check` run by an editor reads content where it may and the links
  everywhere, so a removed or altered access entry is still found.

The table's row-level security is ENABLEd, not FORCEd: FORCE would subject the owner too, and the
owner runs upgrades and imports. Policies name the group roles, which exist only after `admin
init`, so they are installed there (and renewed by `admin upgrade`), with the grants (roles.py).
`careplan check` compares what the server holds with what is installed here (problems()).
On SQLite, and before `admin init`, none of this exists and every user reads every event.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.engine import Connection

from careplan.persistence.who import is_initialised

ACCESS_ACTIONS = ("patient.opened", "pdf.exported", "data.exported")
"""Audit actions that record access to a patient's record rather than a change to it."""

ACCESS_FUNCTION = "careplan_audit_access"
HEAD_FUNCTION = "careplan_audit_head"
LINKS_FUNCTION = "careplan_audit_links"
LEGACY_FUNCTION = "careplan_audit_legacy"
# name -> (policy command, group, USING or WITH CHECK expression as written here)
POLICIES = {
    "careplan_audit_changes": ("SELECT", "careplan_viewer", f"NOT {ACCESS_FUNCTION}(action)"),
    "careplan_audit_everything": ("SELECT", "careplan_admin", "true"),
    # A viewer's reading is access too: they may add access events, and nothing else.
    "careplan_audit_add_access": ("INSERT", "careplan_viewer", f"{ACCESS_FUNCTION}(action)"),
    "careplan_audit_add": ("INSERT", "careplan_editor", "true"),
}


def _json(column: str) -> str:
    """A column as Python's json.dumps(ensure_ascii=False) writes it: PostgreSQL's to_json escapes
    the same characters the same way (quote, backslash, \\b \\f \\n \\r \\t, other controls as \\u00xx)."""
    return f"COALESCE(to_json(a.{column})::text, 'null')"


_AT = "'\"' || to_char(a.at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00\"'"  # naive UTC, as isoformat()
_INT = "COALESCE(a.{}::text, 'null')"
# audit_chain.event_hash's payload: keys sorted, no spaces (domain.plan.canonical_json).
_PAYLOAD = ("'{\"action\":' || " + _json("action") + " || ',\"actor\":' || " + _json("actor")
            + " || ',\"at\":' || " + _AT + " || ',\"details\":' || " + _json("details")
            + " || ',\"entity\":' || " + _json("entity") + " || ',\"entity_key\":' || " + _json("entity_key")
            + " || ',\"patient_id\":' || " + _INT.format("patient_id") + " || ',\"prev_hash\":' || "
            + _json("prev_hash") + " || ',\"revision\":' || " + _INT.format("revision") + " || '}'")
# audit_chain.verify's legacy digest: [id, *FIELDS] per entry, fed one after another.
_LEGACY = ("'[' || a.id::text || ',' || " + _AT + " || ',' || " + _json("actor") + " || ',' || " + _json("action")
           + " || ',' || " + _INT.format("patient_id") + " || ',' || " + _json("entity") + " || ',' || "
           + _json("entity_key") + " || ',' || " + _INT.format("revision") + " || ',' || " + _json("details")
           + " || ']'")
_REAL = "NOT EXISTS (SELECT 1 FROM patients p WHERE p.id = a.patient_id AND p.fictional)"  # demo entries: no chain
_ACTIONS = ", ".join(f"'{a}'" for a in ACCESS_ACTIONS)

# name -> (arguments and result, language, SECURITY DEFINER?, body)
FUNCTIONS = {
    ACCESS_FUNCTION: ("(action text) RETURNS boolean", "sql IMMUTABLE", False, f"SELECT action IN ({_ACTIONS})"),
    HEAD_FUNCTION: ("() RETURNS text", "sql STABLE", True,
                    "SELECT a.hash FROM audit_events a WHERE a.hash IS NOT NULL ORDER BY a.id DESC LIMIT 1"),
    LINKS_FUNCTION: (
        "() RETURNS TABLE (id integer, prev_hash text, hash text, content_ok boolean)", "sql STABLE", True,
        f"SELECT a.id, a.prev_hash, a.hash, CASE WHEN {ACCESS_FUNCTION}(a.action) THEN "
        f"encode(sha256(convert_to({_PAYLOAD}, 'UTF8')), 'hex') = a.hash END "
        f"FROM audit_events a WHERE {_REAL} ORDER BY a.id"),
    LEGACY_FUNCTION: (
        "() RETURNS text", "sql STABLE", True,
        "SELECT encode(sha256(convert_to(COALESCE(string_agg(" + _LEGACY + ", '' ORDER BY a.id), ''), 'UTF8')), "
        "'hex') FROM audit_events a WHERE " + _REAL + " AND a.hash IS NULL AND a.prev_hash IS NULL AND a.id < "
        "COALESCE((SELECT min(b.id) FROM audit_events b WHERE b.hash IS NOT NULL OR b.prev_hash IS NOT NULL), "
        "2147483647)"),
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def function_statement(schema: str, name: str) -> str:
    signature, language, definer, body = FUNCTIONS[name]
    s = _quote(schema)
    # Schema fixed and pg_temp last, as the who-stamp: no temporary table can stand in for audit_events.
    security = f"SECURITY DEFINER SET search_path = {s}, pg_catalog, pg_temp " if definer else ""
    return f"CREATE OR REPLACE FUNCTION {s}.{name}{signature} LANGUAGE {language} {security}AS $$ {body} $$"


def install(conn: Connection) -> None:
    """Functions, then the policies, then row-level security on (idempotent: `admin upgrade` reruns it)."""
    schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    s = _quote(schema)
    for name in FUNCTIONS:
        conn.execute(text(function_statement(schema, name)))
        if name != ACCESS_FUNCTION:  # the policy calls it as the reader; the others give out links only
            conn.execute(text(f"REVOKE ALL ON FUNCTION {s}.{name}() FROM PUBLIC"))
            conn.execute(text(f"GRANT EXECUTE ON FUNCTION {s}.{name}() TO careplan_viewer"))
    for name, (command, group, expression) in POLICIES.items():
        clause = "WITH CHECK" if command == "INSERT" else "USING"
        conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {s}.audit_events"))
        conn.execute(text(f"CREATE POLICY {name} ON {s}.audit_events AS PERMISSIVE FOR {command} TO {group} "
                          f"{clause} ({expression})"))
    conn.execute(text(f"ALTER TABLE {s}.audit_events ENABLE ROW LEVEL SECURITY"))
    sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{s}.audit_events"}).scalar_one()
    conn.execute(text(f"GRANT INSERT ON {s}.audit_events TO careplan_viewer"))
    conn.execute(text(f"GRANT USAGE ON SEQUENCE {sequence} TO careplan_viewer"))


def links_installed(conn: Connection) -> bool:
    """Are the link functions here (PostgreSQL after `admin init`)? Then the chain is read through them."""
    if conn.dialect.name != "postgresql":
        return False
    return conn.execute(text(f"SELECT to_regprocedure('{LINKS_FUNCTION}()') IS NOT NULL")).scalar_one() is True


def legacy_digest(conn: Connection) -> str:
    return str(conn.execute(text(f"SELECT {LEGACY_FUNCTION}()")).scalar_one())


def _normal(expression: str) -> str:
    """A policy expression as PostgreSQL writes it back, in one comparable form."""
    return "".join(expression.lower().replace("::text", "").replace("(", " ").replace(")", " ").split())


def problems(conn: Connection) -> list[str]:
    """For `careplan check`: once initialised, the access rows are hidden as installed here, and no
    other policy shows or hides audit rows; the functions that give out links are unchanged."""
    if not is_initialised(conn):
        return []
    enabled = conn.execute(text(
        "SELECT c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = 'audit_events'")).scalar()
    have = {name: (command, roles, qual if command != "INSERT" else check) for name, command, roles, qual, check in
            conn.execute(text("SELECT policyname, cmd, roles::text[], qual, with_check FROM pg_policies "
                              "WHERE schemaname = current_schema() AND tablename = 'audit_events'"))}
    sources: dict[str, str] = dict(conn.execute(text(
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.proname = ANY(:names)"), {"names": list(FUNCTIONS)}).all())
    upgrade = "(run `careplan admin upgrade` as the owner)"
    if not enabled and not have and not sources:  # initialised by a CarePlan from before this, not yet upgraded
        return [f"Access events are open to every staff login: this server's roles predate their protection {upgrade}"]
    out = []
    if not enabled:
        out.append("Row-level security is off for audit_events: every staff login can read who opened, printed "
                   f"or exported a record {upgrade}")
    for name, (command, group, expression) in POLICIES.items():
        found = have.pop(name, None)
        if found is None:
            out.append(f"Access policy {name} on audit_events is missing {upgrade}")
        elif (found[0], list(found[1]), _normal(found[2] or "")) != (command, [group], _normal(expression)):
            out.append(f"Access policy {name} on audit_events is not the one CarePlan installed")
    out += [f"Unexpected policy {name} on audit_events, which CarePlan did not install" for name in sorted(have)]
    for name, (_, _, _, body) in FUNCTIONS.items():
        if name not in sources:
            out.append(f"Audit function {name} is missing {upgrade}")
        elif _digest(sources[name]) != _digest(f" {body} "):
            out.append(f"Audit function {name} is not the one CarePlan installed: it may hide or forge entries")
    return out


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
