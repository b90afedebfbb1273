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
    p.add_argument("--json", action="store_true", help="print the settings as a JSON object")
    add_db_argument(p)
    p.set_defaults(handler=cmd_settings)


def cmd_settings(args: argparse.Namespace) -> int:
    from careplan.services.clinic_settings import load_clinic_settings, save_clinic_settings

    db = db_from(args)
    try:
        changes = {dest: getattr(args, dest) for _, dest, _ in _OPTIONS if getattr(args, dest) is not None}
        settings = save_clinic_settings(db, **changes) if changes else load_clinic_settings(db)
    finally:
        db.dispose()
    if args.json:
        print_json(settings.to_dict())
        return 0
    for flag, dest, _ in _OPTIONS:
        value = getattr(settings, dest)
        print(f"{flag.removeprefix('--').replace('-', ' ').capitalize()}: {value or '(not set)'}")
    return 0
