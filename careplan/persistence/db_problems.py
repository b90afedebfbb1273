"""What went wrong with the database itself, in one sentence a user can act on.

A lock held by another program, read-only media, a full disk and a damaged file reach CarePlan as
driver errors in the middle of any command. Each is named here once, the same for the command
line and the app; the sentence never carries the driver's message about the data (a row's values),
only SQLite's own short description of the file's state.
"""

from __future__ import annotations

import re
import sqlite3
from enum import StrEnum


class Problem(StrEnum):
    LOCKED = "locked"
    READ_ONLY = "read_only"
    FULL = "full"
    DAMAGED = "damaged"
    # PostgreSQL with roles (persistence/roles.py, who.py):
    DENIED = "denied"  # the login's role lacks the grant, or only the owner may
    NOT_THE_LOGIN = "not_the_login"  # a row names someone other than the login
    NOT_STAFF = "not_staff"  # a login with no active staff row tried to write
    CONNECTION_LOST = "connection_lost"


_SQLITE_SIGNS = (
    (Problem.LOCKED, ("database is locked", "database table is locked", "database schema is locked")),
    (Problem.READ_ONLY, ("readonly database", "read-only", "unable to open database file")),
    (Problem.FULL, ("database or disk is full", "disk i/o error")),
    (Problem.DAMAGED, ("malformed", "file is not a database", "file is encrypted or is not a database",
                       "no such table", "database corrupt")),
)
# PostgreSQL's SQLSTATE classes: 55P03 lock_not_available, 57014 query_canceled (lock_timeout on
# older servers), 53100 disk_full, 25006 read_only_sql_transaction, XX001/XX002 data corrupted.
_PG_STATES = {"55P03": Problem.LOCKED, "53100": Problem.FULL, "53000": Problem.FULL,
              "25006": Problem.READ_ONLY, "XX001": Problem.DAMAGED, "XX002": Problem.DAMAGED,
              # 42501 insufficient_privilege (also "must be owner of table"); CP001/CP002 are raised
              # by the who-stamp trigger; 08xxx and 57P01-03: the connection went away mid-command.
              "42501": Problem.DENIED, "CP001": Problem.NOT_THE_LOGIN, "CP002": Problem.NOT_STAFF,
              "08000": Problem.CONNECTION_LOST, "08003": Problem.CONNECTION_LOST, "08006": Problem.CONNECTION_LOST,
              "57P01": Problem.CONNECTION_LOST, "57P02": Problem.CONNECTION_LOST, "57P03": Problem.CONNECTION_LOST}
# The server's own words are kept for these: they name a table, a login and a staff member's printed
# name (never a patient's), which is what the user needs to ask for the right role.
_PG_WORDS = {Problem.DENIED, Problem.NOT_THE_LOGIN, Problem.NOT_STAFF}
# A connection that dies has no SQLSTATE: libpq only says so.
_PG_LOST_SIGNS = ("server closed the connection", "connection is lost", "connection is closed",
                  "terminating connection", "consuming input failed")


def classify(error: BaseException) -> tuple[Problem, str] | None:
    """(the problem, SQLite's short words for it) for a database error, or None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:  # SQLAlchemy wraps the driver's error
        seen.add(id(current))
        if isinstance(current, sqlite3.Error):
            text = str(current).strip().splitlines()[0] if str(current).strip() else ""
            for problem, signs in _SQLITE_SIGNS:
                if any(sign in text.lower() for sign in signs):
                    return problem, text
            return None
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and state in _PG_STATES:
            problem = _PG_STATES[state]
            return problem, (_primary(current) if problem in _PG_WORDS else "")
        if type(current).__module__.startswith("psycopg") and state is None and \
                any(sign in str(current).lower() for sign in _PG_LOST_SIGNS):
            return Problem.CONNECTION_LOST, ""
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


# One sentence per problem. {where} names the database, {words} SQLite's or the server's own short
# words, {detail} the SQLite words in brackets (or nothing), {busy} how long the lock was waited for.
_SENTENCES = {
    Problem.LOCKED: ("{where} is locked by another program, which held it for more than {busy} s; close that "
                     "program (or wait for it to finish) and try again. Nothing was changed."),
    Problem.READ_ONLY: ("{where} is read-only (read-only media, or no permission to write there){detail}: it can be "
                        "read and checked, but not changed. Nothing was changed; copy it somewhere writable to work "
                        "on it."),
    Problem.FULL: ("The disk holding {where} is full, or the file may not grow any larger{detail}; the command "
                   "stopped and nothing of it was saved. Free some space and try again."),
    Problem.DENIED: ("The server refused this to your login ({words}): your CarePlan role does not allow it. "
                     "Ask the clinic's CarePlan administrator for the role that does. Nothing was changed."),
    Problem.NOT_THE_LOGIN: ("The server refused a change recorded under another person's name ({words}): on a "
                            "shared server everything is recorded under your own login's printed name. Nothing "
                            "was changed."),
    Problem.NOT_STAFF: ("The server refused the change: {words}. Ask the clinic's CarePlan administrator to add "
                        "you (careplan admin add-user). Nothing was changed."),
    Problem.CONNECTION_LOST: ("The connection to {where} was lost (the server stopped or the network dropped) "
                              "before the change was saved; none of it was written. Try again when the server is "
                              "back."),
}


def describe(error: BaseException, where: str, *, busy_seconds: float) -> str | None:
    """One sentence for the user, or None when the error is not one of these problems."""
    found = classify(error)
    if found is None:
        return None
    problem, words = found
    if problem is Problem.DAMAGED:
        return damaged(where, f"SQLite: {words}" if words else "")
    detail = f" (SQLite: {words})" if words else ""
    return _SENTENCES[problem].format(where=where, words=words, detail=detail, busy=f"{busy_seconds:g}")


def _primary(error: BaseException) -> str:
    """The server's primary message, without the detail and context lines that may quote values."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or (str(error).strip().splitlines()[0] if str(error).strip() else "")
    return text.rstrip(".")


# A refused login reaches the client as text only (no SQLSTATE before the session exists): the
# server's words, matched in order, and the sentence for each. {who}/{Who} name the login, {where}
# the server.
_WRONG_PASSWORD = re.compile(r"password authentication failed")
_NO_PASSWORD = re.compile(r"no password supplied|fe_sendauth")
_LOGIN_REFUSALS = (
    (_WRONG_PASSWORD, "The server {where} refused the password for {who} (wrong or expired): check it and try "
                      "again, or ask the clinic's CarePlan administrator to set a new one. Nothing was opened."),
    (re.compile(r"is not permitted to log in"),
     "{Who} is disabled on {where}; ask the clinic's CarePlan administrator if that is a mistake. Nothing was "
     "opened."),
    (_NO_PASSWORD, "The server {where} asks for {who}'s password and none was given: put it in ~/.pgpass or a "
                   "PostgreSQL service file (never in --db). Nothing was opened."),
    (re.compile(r"role.*does not exist|does not exist.*role", re.DOTALL),
     "The server {where} does not know {who}: ask the clinic's CarePlan administrator to add it "
     "(careplan admin add-user). Nothing was opened."),
    (re.compile(r"permission denied for database"),
     "{Who} may not connect to the database on {where}: ask the server's administrator (GRANT CONNECT). "
     "Nothing was opened."),
)


def login_problem(message: str, where: str, user: str | None) -> str | None:
    """A refused login, as one sentence; None for other connection failures (the server is down...)."""
    lowered = message.lower()
    who = f"the login {user}" if user else "your login"
    for sign, sentence in _LOGIN_REFUSALS:
        if sign.search(lowered):
            return sentence.format(where=where, who=who, Who=who[0].upper() + who[1:])
    return None


def password_problem(message: str) -> str | None:
    """"refused" (a wrong or expired password), "missing" (none given), or None: a password might help."""
    lowered = message.lower()
    if _WRONG_PASSWORD.search(lowered):
        return "refused"
    if _NO_PASSWORD.search(lowered):
        return "missing"
    return None


def damaged(where: str, what: str) -> str:
    """The one sentence for a damaged file, from whichever command met it first."""
    return (f"{where} is damaged{f' ({what})' if what else ''}; CarePlan will not use it and nothing was changed. "
            "Put the latest backup in its place with `careplan restore`.")
