"""admin: logins and roles on the clinic's shared PostgreSQL server (services/staff.py)."""

from __future__ import annotations

import argparse
import getpass
import sys

from careplan.cli.common import UserFacingError, add_db_argument, db_from, print_json

ROLES = ("viewer", "editor", "admin")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "admin", help="set up the shared PostgreSQL server: roles, staff logins (not for an SQLite file)",
        description="Least privilege on a clinic's PostgreSQL server. `init` and `upgrade` run as the database's "
                    "owner; daily work logs in as each staff member's own role. See the README's PostgreSQL section.")
    admin = p.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    init = admin.add_parser("init", help="create the groups careplan_viewer/editor/admin, the staff table, "
                                         "the grants and the triggers that stamp who wrote each row")
    upgrade = admin.add_parser("upgrade", help="as the owner: bring the schema up to this CarePlan's, then "
                                               "renew grants and who-stamps (run after every CarePlan update)")
    add = admin.add_parser("add-user", help="give a staff member a login role in one group, with a printed name")
    add.add_argument("login", metavar="LOGIN", help="the PostgreSQL login (lower case)")
    add.add_argument("--name", required=True, help="the name printed on what they sign, e.g. \"Dr A. Patel\"")
    add.add_argument("--role", required=True, choices=ROLES, help="viewer reads; editor writes plans; admin also "
                                                                  "the catalogue, settings and staff")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the first password from the first line "
                                                                   "of standard input (default: asked twice)")
    how.add_argument("--no-password", action="store_true", help="set no password: the server authenticates "
                                                                "this login another way (certificate, Kerberos)")
    listing = admin.add_parser("list-users", help="the staff logins, their printed names, roles and state")
    listing.add_argument("--json", action="store_true", help="print a JSON list of "
                                                             "{login, name, role, active, can_login}")
    disable = admin.add_parser("disable-user", help="stop a login (NOLOGIN); never deleted, so history keeps the name")
    disable.add_argument("login", metavar="LOGIN")
    for cmd in (init, upgrade, add, listing, disable):
        add_db_argument(cmd)
    for cmd in (init, upgrade):
        cmd.add_argument("--json", action="store_true", help="print what was set up as a JSON object")
    pw = sub.add_parser("password", help="remember (or forget) your password for the shared server in this "
                                         "computer's password store",
                        description="Only when you ask: the password goes to the OS password store (keyring), "
                                    "never to a file; ~/.pgpass or a service file work without this.")
    what = pw.add_mutually_exclusive_group(required=True)
    what.add_argument("--remember", action="store_true", help="ask for the password, check it, then remember it")
    what.add_argument("--forget", action="store_true", help="remove the remembered password")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input's first line")
    add_db_argument(pw)
    pw.set_defaults(handler=cmd_password)
    init.set_defaults(handler=cmd_init)
    upgrade.set_defaults(handler=cmd_upgrade)
    add.set_defaults(handler=cmd_add_user)
    listing.set_defaults(handler=cmd_list_users)
    disable.set_defaults(handler=cmd_disable_user)


def _server_db(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Refuses an SQLite file before anything opens it (nor creates it)."""
    from careplan.persistence.engine import describe_url, resolve_url
    from careplan.services.staff import SQLITE_REFUSAL

    url = resolve_url(getattr(args, "db", None))
    if url.get_backend_name() == "sqlite":
        raise UserFacingError(SQLITE_REFUSAL.format(where=describe_url(url)))
    return db_from(args)


def _report_setup(args: argparse.Namespace, setup, what: str) -> int:  # type: ignore[no-untyped-def]
    if args.json:
        print_json({"stamped_columns": setup.stamps, "catalogue": setup.catalogue, "search_keys": setup.search_keys,
                    "rules": setup.rules, "templates": setup.templates})
        return 0
    print(f"{what}: groups careplan_viewer, careplan_editor, careplan_admin; "
          f"{len(setup.stamps)} who-stamp triggers." if setup.stamps else f"{what}.")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from careplan.services import staff

    return _report_setup(args, staff.init(_server_db(args)), "Roles set up")


def cmd_upgrade(args: argparse.Namespace) -> int:
    from careplan.services import staff

    return _report_setup(args, staff.upgrade(_server_db(args)), "Schema up to date")


def _password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        line = getpass.getpass(f"First password for {args.login}: ")
        if getpass.getpass("The same again: ") != line:
            raise UserFacingError("The two passwords differ; nothing was changed.")
    else:
        raise UserFacingError("No terminal to ask for a password: give --password-stdin (and the password on "
                              "standard input) or --no-password. Nothing was changed.")
    if not line:
        raise UserFacingError("The password is empty; nothing was changed (use --no-password for a login the "
                              "server authenticates another way).")
    return line


def cmd_add_user(args: argparse.Namespace) -> int:
    from careplan.services import staff

    db = _server_db(args)
    member = staff.add_user(db, args.login, args.name, args.role, _password(args))
    print(f"{member.login} can now log in as {member.role}; what they save is recorded as {member.name}.")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    from careplan.services import staff

    members = staff.list_users(_server_db(args))
    if args.json:
        print_json([{"login": m.login, "name": m.name, "role": m.role, "active": m.active, "can_login": m.can_login,
                     "valid_until": m.valid_until.isoformat() if m.valid_until else None,
                     "expired": _expired(m)} for m in members])
        return 0
    for m in members:
        state = "disabled" if not (m.active and m.can_login) else (
            f"password expired {m.valid_until:%Y-%m-%d}" if _expired(m) and m.valid_until else "active")
        print(f"{m.login}\t{m.name}\t{m.role}\t{state}")
    if not members:
        print("No staff logins yet: add one with `careplan admin add-user LOGIN --name NAME --role editor`.")
    return 0


def _expired(member) -> bool:  # type: ignore[no-untyped-def]
    """Past its VALID UNTIL, the server refuses the right password as if it were wrong."""
    from careplan.services.clock import utcnow

    return member.valid_until is not None and member.valid_until <= utcnow()


def cmd_disable_user(args: argparse.Namespace) -> int:
    from careplan.services import staff

    member = staff.disable_user(_server_db(args), args.login)
    print(f"{member.login} ({member.name}) can no longer log in; the history keeps their name.")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from careplan.persistence import passwords
    from careplan.persistence.engine import describe_url, open_database, resolve_url

    url = resolve_url(getattr(args, "db", None))
    if url.get_backend_name() != "postgresql" or not url.username:
        raise UserFacingError("A password is remembered for a login on a PostgreSQL server: give its address with "
                              "the login (postgresql+psycopg://LOGIN@HOST/NAME) in --db or CAREPLAN_DB_URL. "
                              "Nothing was stored.")
    if args.forget:
        gone = passwords.forget(url)
        print(f"Forgot the password for {passwords.account(url)}." if gone else
              f"No password was remembered for {passwords.account(url)}.")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password for {url.username} on {describe_url(url.set(password=None))}: ")
    else:
        raise UserFacingError("No terminal to ask for the password: give --password-stdin. Nothing was stored.")
    if not password:
        raise UserFacingError("The password is empty; nothing was stored.")
    # Checked before it is kept: a mistyped password remembered would fail every later start.
    open_database(url.set(password=password).render_as_string(hide_password=False), migrate=False).dispose()
    passwords.remember(url, password)
    print(f"Remembered the password for {passwords.account(url)} in this computer's password store.")
    return 0
