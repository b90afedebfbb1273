"""Staff logins and roles on the clinic's PostgreSQL server (`careplan admin ...`).

The work is in persistence/roles.py; here each command is one transaction, refused on SQLite
with one sentence: a single desktop file has no logins, the computer's own login protects it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.text import field_problem
from careplan.persistence import roles, who
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.catalogue import sync_shipped_catalogue_if_changed
from careplan.services.patients import refresh_search_keys
from careplan.services.rules import sync_shipped_rules_if_changed
from careplan.services.template_store import sync_shipped_templates_if_changed

SQLITE_REFUSAL = (
    "`careplan admin` sets up logins and roles on a clinic's shared PostgreSQL server; {where} is a "
    "single-user SQLite file, protected by this computer's own login. Nothing was changed."
)


class StaffError(CarePlanError):
    """An admin command that cannot be done; the message says why and that nothing changed."""


@dataclass(frozen=True)
class Setup:
    stamps: list[str]
    catalogue: dict[str, int] | None
    search_keys: int | None
    rules: dict[str, int] | None = None  # what the guideline rules sync did (None: nothing needed)
    templates: dict[str, int] | None = None  # what the starter plans sync did


def _server_only(db: Database) -> None:
    if db.is_sqlite:
        raise StaffError(SQLITE_REFUSAL.format(where=db.describe()))


def init(db: Database) -> Setup:
    """Groups, staff table, grants and who-stamps; then what the app would otherwise do at start-up
    as a daily user who may not (the catalogue sync, the search keys), done here as the owner."""
    _server_only(db)
    try:
        with db.engine.begin() as conn:
            stamps = roles.init(conn)
    except roles.RoleSetupError as e:
        raise StaffError(str(e)) from None
    return _owner_chores(db, stamps)


def upgrade(db: Database) -> Setup:
    """Opening the database as the owner has migrated it; grants and stamps then cover new tables."""
    _server_only(db)
    with db.engine.connect() as conn:
        initialised = who.is_initialised(conn)
    if not initialised:
        return _owner_chores(db, [])
    return init(db)


def _owner_chores(db: Database, stamps: list[str]) -> Setup:
    # The shipped rules and starter plans name catalogue codes: synced after the catalogue.
    catalogue = sync_shipped_catalogue_if_changed(db)
    return Setup(stamps, catalogue, refresh_search_keys(db), sync_shipped_rules_if_changed(db),
                 sync_shipped_templates_if_changed(db))


def add_user(db: Database, login: str, name: str, role: str, password: str | None) -> roles.StaffMember:
    _server_only(db)
    name = name.strip()
    if not name:
        raise StaffError("The printed name is empty: give it with --name \"Name as printed\". Nothing was changed.")
    if problem := field_problem("revision.author", name):
        raise StaffError(f"The printed name {problem}. Nothing was changed.")
    verifier = roles.scram_verifier(password) if password is not None else None
    try:
        with db.transaction() as s:
            conn = s.connection()
            _require_init(conn)
            member = roles.add_user(conn, login, name, role, verifier)
            _record(s, "staff.added", member)
            return member
    except roles.RoleSetupError as e:
        raise StaffError(str(e)) from None


def list_users(db: Database) -> list[roles.StaffMember]:
    _server_only(db)
    with db.engine.connect() as conn:
        _require_init(conn)
        return roles.list_users(conn)


def disable_user(db: Database, login: str) -> roles.StaffMember:
    _server_only(db)
    try:
        with db.transaction() as s:
            conn = s.connection()
            _require_init(conn)
            member = roles.disable_user(conn, login)
            _record(s, "staff.disabled", member)
            return member
    except roles.RoleSetupError as e:
        raise StaffError(str(e)) from None


def _record(s: Session, action: str, member: roles.StaffMember) -> None:
    """In the audit log, by whoever ran it (the owner's login): a staff member's name, never a patient's."""
    who_did = s.execute(text("SELECT session_user")).scalar_one()
    audit.record(s, str(who_did), action, entity="staff", entity_key=member.login,
                 details={"name": member.name, "role": member.role})


def _require_init(conn: Connection) -> None:
    if not who.is_initialised(conn):
        raise StaffError("This database has no CarePlan roles yet: run `careplan admin init` as its owner first. "
                         "Nothing was changed.")
