"""settings: the clinic details printed on page 1 of every caregiver printout."""

from __future__ import annotations

import argparse

from careplan.cli.common import add_db_argument, db_from, print_json

_OPTIONS = (("--clinic-name", "name", "the clinic's name"),
            ("--clinic-phone", "phone", "the clinic's phone number (office hours)"),
            ("--out-of-hours", "out_of_hours", "the number to call out of hours"),
            ("--address", "address", "the clinic's address"))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "settings",
        help="show or set the clinic details printed on the caregiver printout",
        description="Show the clinic's details, or set them with the options below (an empty value clears one). "
                    "They are stored in the database and printed on page 1 of every caregiver printout.",
    )
    for flag, dest, text in _OPTIONS:
        p.add_argument(flag, dest=dest, metavar="TEXT", default=None, help=text)
    p.add_argument("--idle-lock", dest="idle_lock", metavar="MINUTES", type=_minutes, default=None,
                   help="hide patient data after this many minutes without use, until the user signs in again "
                        "(0 turns it off; default 10)")
    p.add_argument("--json", action="store_true", help="print the settings as a JSON object")
    add_db_argument(p)
    p.set_defaults(handler=cmd_settings)


def cmd_settings(args: argparse.Namespace) -> int:
    from careplan.services.clinic_settings import load_clinic_settings, save_clinic_settings
    from careplan.services.idle_lock import load_idle_seconds, save_idle_seconds

    db = db_from(args)
    try:
        changes = {dest: getattr(args, dest) for _, dest, _ in _OPTIONS if getattr(args, dest) is not None}
        if args.idle_lock is not None:
            save_idle_seconds(db, args.idle_lock * 60)
        settings = save_clinic_settings(db, **changes) if changes else load_clinic_settings(db)
        idle_minutes = load_idle_seconds(db) / 60
    finally:
        db.dispose()
    if args.json:
        print_json({**settings.to_dict(), "idle_lock_minutes": idle_minutes})
        return 0
    for flag, dest, _ in _OPTIONS:
        value = getattr(settings, dest)
        print(f"{flag.removeprefix('--').replace('-', ' ').capitalize()}: {value or '(not set)'}")
    print(f"Idle lock: {'off' if not idle_minutes else f'after {idle_minutes:g} minutes without use'}")
    return 0


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of minutes") from None
    if not 0 <= minutes <= 24 * 60:
        raise argparse.ArgumentTypeError(f"{value!r}: give 0 (off) to 1440 minutes")
    return minutes
