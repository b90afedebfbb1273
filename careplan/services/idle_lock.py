"""Idle lock (issue 16 part 6): after so long without use, the app hides patient data until the
user signs in again.

The idle time is a clinic policy, so it is kept in the database (app_meta), like the clinic's
details: every computer locks after the same time. `careplan settings --idle-lock MINUTES` sets
it; 0 turns the lock off. Signing in again:
- SQLite (one desktop, protected by the computer's own login, README): the user confirms who
  they are by typing their printed name or their operating-system login.
- PostgreSQL set up with `careplan admin init` (the login is a staff member): the server
  re-authenticates the login with what the user types (their password; with Kerberos or
  certificates the server decides without it), through a fresh connection. A server not set up
  with logins (one shared connection) is unlocked by name, as on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database, open_database
from careplan.persistence.errors import DatabaseOpenError
from careplan.persistence.models import AppMetaRow

KEY = "security.idle_lock_seconds"
DEFAULT_SECONDS = 600.0  # 10 minutes
MAX_MINUTES = 24 * 60


def server_sign_in(db: Database, typed: str) -> str | None:
    """None when the server accepts the login with `typed` as its password, else one sentence."""
    if not typed:
        # Never an empty password: libpq would fall back to ~/.pgpass or a remembered one.
        return "Type your password to continue."
    url = db.engine.url.set(username=db.server_login, password=typed)
    try:
        open_database(url.render_as_string(hide_password=False), migrate=False).dispose()
    except DatabaseOpenError as e:
        return str(e)
    return None


SERVER_SIGN_IN: Callable[[Database, str], str | None] = server_sign_in
"""How a staff login re-authenticates (a module attribute so a test can count the calls)."""


def load_idle_seconds(db: Database) -> float:
    """How long without use before the app locks; 0 means never."""
    with db.reading() as s:
        value = s.scalar(select(AppMetaRow.value).where(AppMetaRow.key == KEY))
    try:
        seconds = float(value) if value is not None else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS  # a damaged value never turns the lock off
    return seconds if seconds >= 0 else DEFAULT_SECONDS


def save_idle_seconds(db: Database, seconds: float) -> float:
    if not seconds >= 0 or seconds > MAX_MINUTES * 60:  # also refuses NaN
        raise CarePlanError(f"The idle lock takes 0 (off) to {MAX_MINUTES} minutes.")
    with db.transaction() as s:
        if seconds == DEFAULT_SECONDS:
            s.execute(delete(AppMetaRow).where(AppMetaRow.key == KEY))
        else:
            s.merge(AppMetaRow(key=KEY, value=repr(float(seconds))))
    return seconds


def uses_server_sign_in(db: Database) -> bool:
    return not db.is_sqlite and db.server_name is not None and db.server_login is not None


def sign_in_problem(db: Database, typed: str, *, printed_name: str, login: str) -> str | None:
    """None when `typed` lets the user back in, else one sentence why not."""
    if uses_server_sign_in(db):
        return SERVER_SIGN_IN(db, typed)
    given = " ".join(typed.split()).casefold()
    if not given:
        return "Type your name or your computer login to continue."
    known = {" ".join(n.split()).casefold() for n in (printed_name, login) if n.strip()}
    if given in known:
        return None
    return "That is neither your name in CarePlan nor your computer login: type one of them to continue."
