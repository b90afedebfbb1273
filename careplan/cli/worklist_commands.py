"""worklist: what needs the coordinator today, most urgent first."""

from __future__ import annotations

import argparse
import re

from careplan.cli.common import UserFacingError, add_db_argument, db_from, print_json

DEFAULT_DAYS = 14  # careplan.services.patients.DUE_SOON, without importing SQLAlchemy for --help
MAX_DAYS = 365  # careplan.services.worklist.MAX_DAYS (a test keeps both equal)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("worklist", help="overdue and due reviews, patients with no plan, open guideline prompts, unsaved drafts")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    # Read as text and checked here, so every bad value gives one `careplan:` line, not a usage block.
    p.add_argument("--days", default=str(DEFAULT_DAYS), metavar="N",
                   help=f"list reviews due within N days (0 to {MAX_DAYS}; default {DEFAULT_DAYS})")
    add_db_argument(p)
    p.set_defaults(handler=cmd_worklist)


def window_days(text: str) -> int:
    digits = text.strip()
    # Plain ASCII digits only: int() would also take "1_0", "+5" and other scripts' digits.
    days = int(digits) if re.fullmatch(r"[0-9]{1,4}", digits) else -1
    if not 0 <= days <= MAX_DAYS:
        raise UserFacingError(f"--days must be a whole number of days from 0 to {MAX_DAYS}, not {text!r}.")
    return days


def cmd_worklist(args: argparse.Namespace) -> int:
    days = window_days(args.days)
    from careplan.services.worklist import worklist

    items = worklist(db_from(args), days=days)
    if args.json:
        print_json([{
            "mrn": i.mrn, "name": i.name, "kind": i.kind.value, "reason": i.reason,
            "date": i.date.isoformat(), "days": i.days, "author": i.author,
        } for i in items])
        return 0
    if not items:
        print(f"Nothing needs you: no review overdue or due within {days} days, every patient has a plan, "
              "no guideline prompt is open, and no draft is waiting.")
        return 0
    mrn_width = max(len("MRN"), *(len(i.mrn) for i in items))
    name_width = min(40, max(len("Patient"), *(len(i.name) for i in items)))
    print(f"{'MRN':{mrn_width}}  {'Patient':{name_width}}  {'Date':10}  Reason")
    for i in items:
        name = i.name if len(i.name) <= name_width else i.name[: name_width - 1] + "\u2026"
        print(f"{i.mrn:{mrn_width}}  {name:{name_width}}  {i.date.isoformat():10}  {i.reason}")
    return 0
