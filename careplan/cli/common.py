"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
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


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def actor(args: argparse.Namespace) -> str:
    from careplan.services.clock import login_name

    return getattr(args, "author", None) or login_name()
