"""export, import, backup and restore."""

from __future__ import annotations

import argparse
from pathlib import Path

from careplan.cli.common import actor, add_db_argument, db_from
from careplan.domain.errors import CarePlanError


def _add_author(p: argparse.ArgumentParser) -> None:
    p.add_argument("--author", metavar="NAME", help="your name for the audit log (default: your login name)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="export patients and their full plan history to a JSON file",
                       description="Write patients (all, or the MRNs given) with contacts, care team and every plan "
                       "revision to a JSON file. The format is documented in docs/export-format.md.")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.json",
                   help="the file to write; an earlier export there is replaced")
    p.add_argument("mrns", nargs="*", metavar="MRN", help="only these patients (default: everyone)")
    p.add_argument("--force", action="store_true", help="replace FILE.json even if it is not an earlier export")
    _add_author(p)
    add_db_argument(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="import patients and plan history from a CarePlan export (JSON) file",
                       description="Check the whole file, then import all of it or nothing. Revisions already in "
                       "CarePlan are skipped, so importing the same file twice adds nothing the second time.")
    p.add_argument("file", type=Path, metavar="FILE.json")
    p.add_argument("--dry-run", action="store_true", help="check the file and say what would be imported, without writing")
    _add_author(p)
    add_db_argument(p)
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("backup", help="copy the database to a file, even while CarePlan is open (SQLite only)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    _add_author(p)
    add_db_argument(p)
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", help="put a backup in place of the database, keeping the current one aside (SQLite only)",
                       description="Check the backup, keep the current database aside as <name>.replaced-<time>, and "
                       "put the backup in its place. Close CarePlan everywhere first.")
    p.add_argument("file", type=Path, metavar="FILE", nargs="?")
    p.add_argument("--list", action="store_true",
                   help="list the copies kept beside the database (replaced by a restore, or from before an upgrade)")
    p.add_argument("--force", action="store_true",
                   help="restore even if the current database holds revisions the backup lacks (they stay in the kept-aside file)")
    _add_author(p)
    add_db_argument(p)
    p.set_defaults(handler=cmd_restore)


def cmd_export(args: argparse.Namespace) -> int:
    from careplan.services.exchange import export_to_file

    db = db_from(args)
    try:
        result = export_to_file(db, args.out, args.mrns, actor=actor(args), force=args.force)
    finally:
        db.dispose()
    print(f"Exported {result.patients} patients with {result.revisions} plan revisions to {result.path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from careplan.services.exchange import import_file

    db = db_from(args)
    try:
        summary = import_file(db, args.file, actor=actor(args), dry_run=args.dry_run)
    finally:
        db.dispose()
    for line in summary.lines():
        print(line)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from careplan.persistence.engine import resolve_url
    from careplan.services.backup import SERVER_BACKUP, backup_database

    if resolve_url(getattr(args, "db", None)).get_backend_name() != "sqlite":
        raise CarePlanError(SERVER_BACKUP)
    db = db_from(args)
    try:
        result = backup_database(db, args.file, actor=actor(args), force=args.force)
    finally:
        db.dispose()
    print(f"Backed up {result.patients} patients and {result.revisions} plan revisions to {result.path} "
          f"({result.size / 1_048_576:.1f} MB)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from careplan.persistence.engine import resolve_url
    from careplan.services.backup import SERVER_RESTORE, describe_restore, restore_database

    url = resolve_url(getattr(args, "db", None))
    if url.get_backend_name() != "sqlite" or not url.database:
        raise CarePlanError(SERVER_RESTORE)
    if args.list:
        return _list_kept(Path(url.database))
    if args.file is None:
        raise CarePlanError("restore needs the backup FILE to put in place (or --list to see the kept copies).")
    # The live database is not opened here: a restore must work when it is damaged.
    result = restore_database(Path(url.database), args.file, actor=actor(args), force=args.force)
    for line in describe_restore(result):
        print(line)
    return 0


def _list_kept(live: Path) -> int:
    from careplan.services.kept_copies import describe_kept

    copies = describe_kept(live)
    if not copies:
        print(f"No copies are kept beside {live}.")
    for c in copies:
        when = c.kept_at.strftime("%Y-%m-%d %H:%M UTC") if c.kept_at else "time unknown"
        patients = "unreadable" if c.patients is None else f"{c.patients} patients"
        print(f"{c.path.name}  {when}  {c.size / 1_048_576:.1f} MB  {patients}  ({c.kind})")
    return 0
