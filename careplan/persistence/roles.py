"""Least privilege on a shared PostgreSQL server: group roles, their grants, the staff table.

The owner role (whoever created the schema) owns every table and is the only one who may alter
or drop a table or switch a trigger off: PostgreSQL allows those to the owner and superusers
alone, and no grant can give them away. Daily work logs in as a staff member's own role, a
member of one group:

- careplan_viewer: reads everything;
- careplan_editor: also writes patients, plans, assessments and drafts, and may only INSERT into
  the history and audit tables (plus the append-only triggers, which refuse UPDATE/DELETE even
  to the owner);
- careplan_admin: also the catalogue, the clinic's settings, the staff table, rules, templates,
  and the only group that reads access events (audit_access.py: row-level security).

Each group is a member of the one before, so an admin can do what an editor can. Statements are
idempotent: `admin upgrade` runs them again, so tables a newer schema adds get their grants.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from careplan.persistence import audit_access
from careplan.persistence.who import STAFF_TABLE, install_stamps, tables

GROUPS = ("careplan_viewer", "careplan_editor", "careplan_admin")
ROLE_OF_GROUP = {"viewer": "careplan_viewer", "editor": "careplan_editor", "admin": "careplan_admin"}

# Writes beyond SELECT, per group and table. A table not there yet (rules, templates before
# their migration) is skipped and granted by the `admin upgrade` after it.
EDITOR_WRITES = {
    "patients": "INSERT, UPDATE",
    "caregivers": "INSERT, UPDATE, DELETE",
    "care_team_members": "INSERT, UPDATE, DELETE",
    "plans": "INSERT, UPDATE",
    "plan_drafts": "INSERT, UPDATE, DELETE",
    # History: INSERT only. The append-only triggers refuse the rest even to the owner.
    "plan_revisions": "INSERT",
    "revision_items": "INSERT",
    "audit_events": "INSERT",
    "assessments": "INSERT",
    "revision_signatures": "INSERT",
    "prompt_decisions": "INSERT",
}
ADMIN_WRITES = {
    "catalogue_items": "INSERT, UPDATE",
    "app_meta": "INSERT, UPDATE, DELETE",
    STAFF_TABLE: "INSERT, UPDATE",
    "guideline_rules": "INSERT, UPDATE",
    "templates": "INSERT, UPDATE",
    "patients": "DELETE",  # `demo --remove`: the triggers let only fictional patients' history go
    "plans": "DELETE",
}
STAFF_DDL = (
    f"CREATE TABLE IF NOT EXISTS {STAFF_TABLE} ("
    "login name PRIMARY KEY, printed_name varchar(200) NOT NULL, "
    "role varchar(16) NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')), "
    "active boolean NOT NULL DEFAULT true, added_at timestamptz NOT NULL DEFAULT now(), "
    "added_by name NOT NULL DEFAULT session_user, disabled_at timestamptz)"
)
# Role names are cluster-wide: concurrent inits (two databases, parallel tests) take turns.
_ROLES_LOCK = 0x43504C524F4C4553  # "CPLROLES"
LOGIN_PATTERN = re.compile(r"[a-z_][a-z0-9_.@-]{0,62}")


class RoleSetupError(Exception):
    """The server refused a step, or the request makes no sense; the message says which."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def init(conn: Connection) -> list[str]:
    """Create the groups, the staff table, the grants and the who-stamps. Returns the stamp triggers."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ROLES_LOCK})
    existing = _existing_roles(conn, GROUPS)
    missing = [g for g in GROUPS if g not in existing]
    if missing and not _may_create_roles(conn):
        raise RoleSetupError(
            f"The login running this ({_session_user(conn)}) may not create roles, and {', '.join(missing)} "
            "do not exist yet: run `careplan admin init` as the owner with CREATEROLE, or have the server's "
            "administrator create them (CREATE ROLE name NOLOGIN). Nothing was changed.")
    for group in missing:
        conn.execute(text(f"CREATE ROLE {quote(group)} NOLOGIN"))
    conn.execute(text("GRANT careplan_viewer TO careplan_editor"))
    conn.execute(text("GRANT careplan_editor TO careplan_admin"))
    conn.execute(text(STAFF_DDL))
    grant(conn)
    audit_access.install(conn)  # access events: admins only (row-level security)
    return install_stamps(conn)


def grant(conn: Connection) -> None:
    schema = quote(str(conn.execute(text("SELECT current_schema()")).scalar_one()))
    conn.execute(text(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO careplan_viewer"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO careplan_viewer"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO careplan_editor"))
    have = tables(conn)
    for group, writes in (("careplan_editor", EDITOR_WRITES), ("careplan_admin", ADMIN_WRITES)):
        for table, privileges in writes.items():
            if table in have:
                conn.execute(text(f"GRANT {privileges} ON {schema}.{quote(table)} TO {group}"))


@dataclass(frozen=True)
class StaffMember:
    login: str
    name: str
    role: str
    active: bool
    can_login: bool
    # The server's password expiry (ALTER ROLE ... VALID UNTIL): after it the server refuses the
    # password with the same words as a wrong one, so only the owner's listing can tell them apart.
    valid_until: datetime | None = None


def add_user(conn: Connection, login: str, name: str, role: str, verifier: str | None) -> StaffMember:
    """A staff member: their own LOGIN role in one group, and their printed name.

    `verifier` is a SCRAM verifier (scram_verifier()), never the password: the plain password
    is not sent to the server either, so it cannot end up in its statement log."""
    if not LOGIN_PATTERN.fullmatch(login):
        raise RoleSetupError(f"'{login}' is not a usable login: lower-case letters, digits and _ . @ -, "
                             "starting with a letter or _, at most 63 characters.")
    if login in GROUPS or login.startswith("pg_"):
        raise RoleSetupError(f"'{login}' is a group or reserved name, not a person's login.")
    if role not in ROLE_OF_GROUP:
        raise RoleSetupError(f"The role must be one of {', '.join(ROLE_OF_GROUP)}, not '{role}'.")
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ROLES_LOCK})
    taken = conn.execute(text(f"SELECT printed_name, role FROM {STAFF_TABLE} WHERE login = :l"), {"l": login}).first()
    if taken is not None:
        raise RoleSetupError(f"{login} is already a CarePlan user ({taken[0]}, {taken[1]}); nothing was changed.")
    found = conn.execute(text("SELECT rolsuper, rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = :l"),
                         {"l": login}).first()
    if found is not None and (found[0] or found[1]):
        raise RoleSetupError(f"{login} is a superuser or may create roles: daily work must not use such a login, "
                             "as it can switch the history's guards off. Choose another login.")
    if not _may_create_roles(conn):
        raise RoleSetupError(f"The login running this ({_session_user(conn)}) may not create roles: run "
                             "`careplan admin add-user` as the owner with CREATEROLE, or as the server's administrator.")
    who = quote(login)
    conn.execute(text(f"CREATE ROLE {who} LOGIN" if found is None else f"ALTER ROLE {who} LOGIN"))
    if verifier is not None:
        # DDL takes no bind parameters: a literal, quoted, its colons escaped from text()'s :name.
        literal = verifier.replace("'", "''").replace(":", "\\:")
        conn.execute(text(f"ALTER ROLE {who} PASSWORD '{literal}'"))
    for group in GROUPS:
        conn.execute(text(f"REVOKE {group} FROM {who}"))
    conn.execute(text(f"GRANT {ROLE_OF_GROUP[role]} TO {who}"))
    conn.execute(text(f"INSERT INTO {STAFF_TABLE} (login, printed_name, role) VALUES (:l, :n, :r)"),
                 {"l": login, "n": name, "r": role})
    return StaffMember(login, name, role, True, True)


def list_users(conn: Connection) -> list[StaffMember]:
    rows = conn.execute(text(
        f"SELECT s.login, s.printed_name, s.role, s.active, COALESCE(r.rolcanlogin, false), "
        # psycopg cannot load 'infinity' (which means no expiry, like NULL)
        "CASE WHEN isfinite(r.rolvaliduntil) THEN r.rolvaliduntil END "
        f"FROM {STAFF_TABLE} s LEFT JOIN pg_roles r ON r.rolname = s.login ORDER BY s.active DESC, s.login"))
    return [StaffMember(str(a), str(b), str(c), bool(d), bool(e), f) for a, b, c, d, e, f in rows]


def disable_user(conn: Connection, login: str) -> StaffMember:
    """NOLOGIN and inactive, never dropped: the history keeps the printed name it recorded."""
    row = conn.execute(text(f"SELECT printed_name, role FROM {STAFF_TABLE} WHERE login = :l"), {"l": login}).first()
    if row is None:
        raise RoleSetupError(f"{login} is not a CarePlan user of this database; nothing was changed.")
    conn.execute(text(f"UPDATE {STAFF_TABLE} SET active = false, disabled_at = COALESCE(disabled_at, now()) "
                      "WHERE login = :l"), {"l": login})
    if _existing_roles(conn, (login,)):
        conn.execute(text(f"ALTER ROLE {quote(login)} NOLOGIN"))
    return StaffMember(login, str(row[0]), str(row[1]), False, False)


def _existing_roles(conn: Connection, names: tuple[str, ...]) -> set[str]:
    rows = conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:n)"), {"n": list(names)})
    return {r[0] for r in rows}


def _may_create_roles(conn: Connection) -> bool:
    return bool(conn.execute(text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"))
                .scalar_one())


def _session_user(conn: Connection) -> str:
    return str(conn.execute(text("SELECT session_user")).scalar_one())


def scram_verifier(password: str, *, iterations: int = 4096, salt: bytes | None = None) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier for a password, computed here (RFC 5802/7677).

    The password is normalised as SASLprep does for ordinary text (NFKC, other spaces to U+0020,
    invisible characters removed), so a client's login with the same password matches."""
    prepared = unicodedata.normalize("NFKC", "".join(
        " " if unicodedata.category(c) == "Zs" else c for c in password if c not in "\u00ad\u200b\u2060\ufeff"))
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", prepared.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
