"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from careplan.domain.errors import CarePlanError

if TYPE_CHECKING:
    from careplan.persistence.engine import Database

UserFacingError = CarePlanError


class Parser(argparse.ArgumentParser):
    """argparse, answering in the `careplan: <sentence>` form: a usage error is one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"careplan: {message} (see `{self.prog} --help`).\n")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # Python 3.11's argparse drops a literal "--" given as an option's value (`--search=--`)
        # and passes an empty list on; the value the user typed is the text "--".
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database: a file path, sqlite:///path or postgresql+psycopg://user@host/name "
        "(default: $CAREPLAN_DB_URL, else careplan.sqlite3 in your data folder)",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        default=argparse.SUPPRESS,
        help="create the database if the file named by --db or $CAREPLAN_DB_URL does not exist yet "
        "(without it a missing file is an error, never a new empty database)",
    )


PASSWORD_IN_DB = (
    "--db must not hold a password: every user of this computer can read a command's arguments while it "
    "runs (ps). Put the address with its password in the CAREPLAN_DB_URL environment variable instead, or "
    "keep the password in a PostgreSQL service file (~/.pg_service.conf, then postgresql+psycopg://?service=NAME) "
    "or in ~/.pgpass (mode 0600). Nothing was opened."
)


def refuse_password_in_db(args: argparse.Namespace) -> None:
    """Before anything connects: a --db address carrying a password is refused (the env var may)."""
    raw = getattr(args, "db", None)
    if not raw or "://" not in raw:
        return
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(raw)
        has_password = parts.password is not None or "password" in {k.lower() for k in parse_qs(parts.query)}
    except ValueError:  # a malformed address: resolve_url names the problem (without echoing secrets)
        has_password = "@" in raw.split("//", 1)[-1].split("/", 1)[0] and ":" in raw.split("//", 1)[-1].split("@")[0]
    if has_password:
        raise UserFacingError(PASSWORD_IN_DB)


def db_from(args: argparse.Namespace, *, refuse_damaged: bool = True) -> Database:
    # Imported here, so `careplan --help` and `--version` answer without loading SQLAlchemy.
    from careplan.cli.db_presence import refuse_missing_database
    from careplan.persistence.engine import open_database

    refuse_missing_database(args)
    db = open_database(getattr(args, "db", None), refuse_damaged=refuse_damaged)
    _opened.append(db)
    return db


_opened: list[Database] = []


def close_databases() -> None:
    """Close what the command opened (main does this after every command): SQLite then folds its
    write-ahead log back into the file, so a copy of the file alone holds everything."""
    while _opened:
        _opened.pop().dispose()


def sweep_leftovers(args: argparse.Namespace) -> None:
    """Remove the temporary copies (patient data) that killed commands left beside the database
    and beside this command's output, and say so: one line per file, its name only."""
    from careplan.atomic_file import sweep_leftovers as sweep

    folders: set[Path] = set()
    raw = getattr(args, "db", None) or os.environ.get("CAREPLAN_DB_URL") or ""
    if raw and "://" not in raw:
        folders.add(Path(raw).expanduser().absolute().parent)
    elif raw.startswith("sqlite:///"):
        folders.add(Path(raw[len("sqlite:///"):]).expanduser().absolute().parent)
    elif not raw:
        from careplan.paths import default_database_path

        folders.add(default_database_path().parent)
    for name in ("out", "file"):
        target = getattr(args, name, None)
        if isinstance(target, Path):
            folders.add(target.expanduser().absolute().parent)
    for folder in sorted(folders):
        for path in sweep(folder):
            fail(f"removed {path.name}, a temporary copy left in {folder} by an interrupted command.")


def fail(message: str) -> None:
    print(f"careplan: {message}", file=sys.stderr)


def describe_database_problem(error: BaseException, args: argparse.Namespace) -> str | None:
    """A lock, read-only media, a full disk or a damaged file, as one sentence; None otherwise."""
    from careplan.persistence import db_problems
    from careplan.persistence.engine import busy_timeout_ms, describe_url, resolve_url

    try:
        where = describe_url(resolve_url(getattr(args, "db", None)))
    except CarePlanError:
        where = "The database"
    return db_problems.describe(error, where, busy_seconds=busy_timeout_ms() / 1000)


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
    """--author, else on a shared server set up with `careplan admin init` the printed name it
    records for this login (an --author that differs is refused by the server), else the login."""
    from careplan.services.clock import login_name

    server = next((db.server_name for db in _opened if db.server_name), None)
    return getattr(args, "author", None) or server or login_name()
