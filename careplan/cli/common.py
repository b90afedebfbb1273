"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from careplan.domain.errors import CarePlanError

if TYPE_CHECKING:
    from careplan.persistence.engine import Database

UserFacingError = CarePlanError


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database: a file path, sqlite:///path or postgresql+psycopg://user@host/name "
        "(default: $CAREPLAN_DB_URL, else careplan.sqlite3 in your data folder)",
    )


def db_from(args: argparse.Namespace) -> Database:
    # Imported here, so `careplan --help` and `--version` answer without loading SQLAlchemy.
    from careplan.persistence.engine import open_database

    return open_database(getattr(args, "db", None))


def fail(message: str) -> None:
    print(f"careplan: {message}", file=sys.stderr)


def describe_unexpected(error: BaseException) -> str:
    """One line for an error nobody planned for. Its message is left out: a database error's
    message carries the row's values (a patient's name) and this line often ends up in a log.
    `--debug` prints the whole traceback, message included."""
    driver = getattr(error, "orig", None)  # the database driver's own error, under SQLAlchemy's
    if isinstance(driver, sqlite3.Error) and str(driver).strip():
        # SQLite's messages name the problem (a damaged file, a lock), never the data.
        what = f"the database reported an error: {str(driver).strip().splitlines()[0]}"
    elif driver is not None:
        what = f"the database reported an error ({type(driver).__name__})"
    else:
        what = f"unexpected error ({type(error).__name__} at {_origin(error)})"
    return f"{what}. The command stopped; run it again with --debug to see the details."


def _origin(error: BaseException) -> str:
    """Where in CarePlan's own code it happened, as path:line (no values, nothing typed)."""
    where = "?"
    for frame, line in traceback.walk_tb(error.__traceback__):
        path = Path(frame.f_code.co_filename)
        if "careplan" in path.parts:
            where = f"{'/'.join(path.parts[path.parts.index('careplan'):])}:{line}"
    return where


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def actor(args: argparse.Namespace) -> str:
    from careplan.services.clock import login_name

    return getattr(args, "author", None) or login_name()
