"""sign (a revision: reviewed or approved) and audit (the audit log, or only who opened,
printed and exported which patient: --access)."""

from __future__ import annotations

import argparse
from datetime import date

from careplan.cli.common import UserFacingError, add_db_argument, db_from, print_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sign", help="sign a saved revision of a patient's plan as reviewed or approved",
                       description="Adds your signature (printed name, date and time, meaning) to a revision. "
                                   "Signatures are history: they are never changed or removed. Saving a revision "
                                   "already signs it as authored.")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("revision", metavar="REVISION", type=int)
    p.add_argument("--meaning", required=True, choices=("reviewed", "approved"), help="what your signature means")
    p.add_argument("--as", dest="printed_name", metavar="NAME",
                   help="your printed name as it should appear on the signature (default: your login name)")
    p.add_argument("--json", action="store_true", help="print the signature as JSON")
    add_db_argument(p)
    p.set_defaults(handler=cmd_sign)

    p = sub.add_parser("audit", help="list the audit log, newest first (who did what, when)")
    p.add_argument("--access", action="store_true",
                   help="only access: patient records opened, printed and exported")
    p.add_argument("--mrn", metavar="MRN", help="only events of this patient")
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_day, help="only from this day (local time)")
    p.add_argument("--until", metavar="YYYY-MM-DD", type=_day, help="only up to this day, inclusive")
    p.add_argument("--limit", type=int, default=200, metavar="N", help="at most N events (default 200)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    add_db_argument(p)
    p.set_defaults(handler=cmd_audit)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def cmd_sign(args: argparse.Namespace) -> int:
    from careplan.services.clock import login_name
    from careplan.services.patients import get_patient_by_mrn
    from careplan.services.signatures import sign

    db = db_from(args)
    patient = get_patient_by_mrn(db, args.mrn)
    sig = sign(db, patient.id or 0, args.revision, args.meaning, printed_name=args.printed_name or login_name())
    if args.json:
        print_json(sig.as_json())
    else:
        print(f"{args.mrn} revision {sig.revision}: {sig.shown()}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from careplan.services.access import ACCESS_ACTIONS, access_refused
    from careplan.services.audit import list_events

    if args.limit < 1:
        raise UserFacingError("--limit must be at least 1.")
    db = db_from(args)
    if args.access and (refused := access_refused(db)):
        raise UserFacingError(refused)
    events = list_events(db, mrn=args.mrn, since=args.since, until=args.until, limit=args.limit,
                         actions=ACCESS_ACTIONS if args.access else None)
    if args.json:
        print_json([{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "mrn": e.mrn,
                     "entity": e.entity, "entity_key": e.entity_key, "revision": e.revision, "details": e.details}
                    for e in events])
        return 0
    if not events:
        print("No events." if not args.access else "No access recorded.")
    for e in events:
        local = e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        what = e.mrn or e.entity_key or e.entity
        rev = f" r{e.revision}" if e.revision is not None else ""
        print(f"{local}  {e.actor:24} {e.label:34} {what}{rev}")
    return 0
