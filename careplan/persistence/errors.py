"""Problems opening a database, each with one sentence a user can act on; and which constraint
a failed write broke."""

from __future__ import annotations

import re

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from careplan.domain.errors import CarePlanError


class DatabaseOpenError(CarePlanError):
    """The database cannot be used; nothing in it was changed."""


class NewerSchemaError(DatabaseOpenError):
    """The database was written by a newer CarePlan."""


class DamagedDatabaseError(DatabaseOpenError):
    """The file is a CarePlan database, but damaged: every command refuses it the same way."""


class ForeignDatabaseError(DatabaseOpenError):
    """The file is a database, but not a CarePlan one."""


class PasswordNeededError(DatabaseOpenError):
    """The server asks for a password: none was given, or it refused the one given (the app asks)."""

    def __init__(self, message: str, *, refused: bool):
        super().__init__(message)
        self.refused = refused


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint a failed write broke (e.g. "uq_patients_mrn"), or None.

    Services decide what an IntegrityError means from this name alone, never from a guess
    about which write ran. PostgreSQL reports the name itself; SQLite names the columns of a
    broken unique constraint ("UNIQUE constraint failed: patients.mrn"), which identify it
    through the models' metadata, and the name of a broken CHECK constraint. NOT NULL and
    SQLite's foreign-key failures name no constraint: None.
    """
    orig = error.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        return getattr(diag, "constraint_name", None) or None
    message = str(orig)
    if m := _SQLITE_UNIQUE.match(message):
        return _unique_constraint_on([c.strip() for c in m.group(1).split(",")])
    if m := _SQLITE_CHECK.match(message):
        return m.group(1)
    return None


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def _unique_constraint_on(qualified_columns: list[str]) -> str | None:
    from careplan.persistence.models import Base  # imported late: opening a database needs no ORM

    tables = {c.split(".", 1)[0] for c in qualified_columns}
    if len(tables) != 1:
        return None
    table = Base.metadata.tables.get(tables.pop())
    if table is None:
        return None
    columns = [c.split(".", 1)[1] for c in qualified_columns]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and [c.name for c in constraint.columns] == columns:
            return str(constraint.name)
    return None
