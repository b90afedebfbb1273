"""Problems opening a database, each with one sentence a user can act on."""

from __future__ import annotations

from careplan.domain.errors import CarePlanError


class DatabaseOpenError(CarePlanError):
    """The database cannot be used; nothing in it was changed."""


class NewerSchemaError(DatabaseOpenError):
    """The database was written by a newer CarePlan."""


class ForeignDatabaseError(DatabaseOpenError):
    """The file is a database, but not a CarePlan one."""
