"""What went wrong with the database itself, in one sentence a user can act on.

A lock held by another program, read-only media, a full disk and a damaged file reach CarePlan as
driver errors in the middle of any command. Each is named here once, the same for the command
line and the app; the sentence never carries the driver's message about the data (a row's values),
only SQLite's own short description of the file's state.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum


class Problem(StrEnum):
    LOCKED = "locked"
    READ_ONLY = "read_only"
    FULL = "full"
    DAMAGED = "damaged"


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
              "25006": Problem.READ_ONLY, "XX001": Problem.DAMAGED, "XX002": Problem.DAMAGED}


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
            return _PG_STATES[state], ""
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def describe(error: BaseException, where: str, *, busy_seconds: float) -> str | None:
    """One sentence for the user, or None when the error is not one of these problems."""
    found = classify(error)
    if found is None:
        return None
    problem, words = found
    detail = f" (SQLite: {words})" if words else ""
    if problem is Problem.LOCKED:
        return (f"{where} is locked by another program, which held it for more than {busy_seconds:g} s; "
                "close that program (or wait for it to finish) and try again. Nothing was changed.")
    if problem is Problem.READ_ONLY:
        return (f"{where} is read-only (read-only media, or no permission to write there){detail}: it can be read "
                "and checked, but not changed. Nothing was changed; copy it somewhere writable to work on it.")
    if problem is Problem.FULL:
        return (f"The disk holding {where} is full, or the file may not grow any larger{detail}; the command "
                "stopped and nothing of it was saved. Free some space and try again.")
    return damaged(where, f"SQLite: {words}" if words else "")


def damaged(where: str, what: str) -> str:
    """The one sentence for a damaged file, from whichever command met it first."""
    return (f"{where} is damaged{f' ({what})' if what else ''}; CarePlan will not use it and nothing was changed. "
            "Put the latest backup in its place with `careplan restore`.")
