"""A database that was expected is never created silently in its place.

The scene this guards against: a restore killed half-way (or a file moved away by hand) leaves
the path empty; `careplan patients --db live.sqlite3` would then create a new, empty database
there and list 0 patients while the clinic's data sits beside it as `live.sqlite3.replaced-...`.
So a missing file at an explicitly named place (--db, CAREPLAN_DB_URL) is created only with
--create; at the default place the first run creates it and says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from careplan.domain.errors import CarePlanError
from careplan.services.kept_copies import kept_copies


def _named_sqlite_path(args: argparse.Namespace) -> Path | None:
    """The SQLite file the user named (--db or CAREPLAN_DB_URL); None for the default place or a server."""
    from careplan.persistence.engine import resolve_url

    if not (getattr(args, "db", None) or os.environ.get("CAREPLAN_DB_URL")):
        return None
    url = resolve_url(getattr(args, "db", None))
    if url.get_backend_name() != "sqlite" or not url.database or url.database.startswith("file:"):
        return None
    return Path(url.database)


def refuse_missing_database(args: argparse.Namespace) -> None:
    """Raise when the named database file does not exist and --create was not given; announce a
    first run at the default place. Called before the database is opened."""
    named = _named_sqlite_path(args)
    if named is None:
        if getattr(args, "db", None) or os.environ.get("CAREPLAN_DB_URL"):
            return  # a server: it exists or the connection says why not
        from careplan.paths import default_database_path

        default = default_database_path()
        if not default.exists():
            print(f"careplan: no database yet at {default}; creating a new, empty one (first run).", file=sys.stderr)
        return
    if named.exists() or getattr(args, "create", False):
        return
    copies = kept_copies(named)
    hint = ""
    if copies:
        names = ", ".join(p.name for p in copies[-3:])
        hint = (f" Beside it are kept copies: {names}; to put one back, run "
                f"`careplan restore --db {named} {copies[-1]}`.")
    raise CarePlanError(f"there is no database at {named}; nothing was created.{hint} "
                        "To start a new, empty database there, add --create.")
