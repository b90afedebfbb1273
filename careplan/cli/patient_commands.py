"""`careplan patient add|discharge|deceased|archive|reinstate`: a patient's course from the command line.

Every change is an audited event (services/lifecycle.py); bad input (an unknown MRN, a date of
death before birth or in the future, reinstating an active patient) is one `careplan: ...`
line and exit status 2, with nothing changed.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from careplan.cli.common import UserFacingError, actor, add_db_argument, db_from, print_json

if TYPE_CHECKING:
    from careplan.domain.patient import Patient

REASONS = ("moved", "transferred", "declined")  # careplan.domain.lifecycle.DischargeReason, without importing it for --help


def _day(text: str | None, what: str) -> date | None:
    """Parsed in the handler, not by argparse, so a bad date is one `careplan: ...` line like any bad input."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserFacingError(f"the {what} '{text}' is not a date; write it as YYYY-MM-DD. Nothing changed.") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the patient's new status as JSON")
    p.add_argument("--author", metavar="NAME", help="your name for the audit log (default: your login name)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="on an unexpected error, print the full traceback (it may show patient data)")
    add_db_argument(p)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    top = sub.add_parser("patient", help="add a patient, or record a discharge, a death, archiving or reinstatement",
                         description="A patient's course. Each change is recorded in the audit log; nothing is deleted. "
                         "The plan of a discharged, deceased or archived patient is read-only until reinstated.")
    cmds = top.add_subparsers(dest="patient_command", metavar="ACTION", required=True)

    p = cmds.add_parser("add", help="add a patient")
    p.add_argument("--mrn", required=True, help="the clinic's identifier (MRN)")
    p.add_argument("--name", required=True, help="full name")
    p.add_argument("--born", required=True, metavar="YYYY-MM-DD", help="date of birth")
    p.add_argument("--diagnosed", metavar="YYYY-MM-DD", help="date of diagnosis")
    p.add_argument("--onset", metavar="YYYY-MM-DD", help="date of symptom onset")
    p.add_argument("--onset-site", choices=("bulbar", "limb", "respiratory", "other"), help="where symptoms began")
    _common(p)
    p.set_defaults(handler=cmd_add)

    p = cmds.add_parser("discharge", help="discharge a patient: their plan becomes read-only")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--reason", required=True, choices=REASONS,
                   help="moved (away), transferred (to another clinic) or declined (further care)")
    _common(p)
    p.set_defaults(handler=cmd_discharge)

    p = cmds.add_parser("deceased", help="record a patient's death: their plan becomes read-only")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="date of death")
    _common(p)
    p.set_defaults(handler=cmd_deceased)

    p = cmds.add_parser("archive", help="hide a patient from the app's default list (kept, still found by search)")
    p.add_argument("mrn", metavar="MRN")
    _common(p)
    p.set_defaults(handler=cmd_archive)

    p = cmds.add_parser("reinstate", help="return a discharged, deceased or archived patient to active care")
    p.add_argument("mrn", metavar="MRN")
    _common(p)
    p.set_defaults(handler=cmd_reinstate)


def _report(args: argparse.Namespace, p: Patient, done: str) -> int:
    from careplan.domain.lifecycle import status_text

    if args.json:
        out: dict[str, Any] = {"mrn": p.mrn, "status": p.status.value, "status_reason": p.status_reason,
                               "status_date": p.status_date.isoformat() if p.status_date else None}
        print_json(out)
    else:
        print(f"{done} {p.mrn}: {status_text(p.status, p.status_reason, p.status_date)}.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from careplan.domain.patient import OnsetSite, Patient
    from careplan.services.patients import create_patient

    db = db_from(args)
    p = create_patient(db, Patient(mrn=args.mrn.strip(), full_name=args.name.strip(), date_of_birth=_day(args.born, "date of birth"),
                                   diagnosis_date=_day(args.diagnosed, "diagnosis date"),
                                   onset_date=_day(args.onset, "onset date"),
                                   onset_site=OnsetSite(args.onset_site) if args.onset_site else None),
                       actor=actor(args))
    return _report(args, p, "Added")


def _change(args: argparse.Namespace, done: str, apply: Any) -> int:
    from careplan.services.patients import get_patient_by_mrn

    db = db_from(args)
    p = get_patient_by_mrn(db, args.mrn)
    if p.id is None:  # pragma: no cover - a loaded patient always has an id
        raise UserFacingError(f"{args.mrn} has no id.")
    return _report(args, apply(db, p), done)


def cmd_discharge(args: argparse.Namespace) -> int:
    from careplan.domain.lifecycle import DischargeReason
    from careplan.services import lifecycle

    return _change(args, "Discharged", lambda db, p: lifecycle.discharge(
        db, p.id, reason=DischargeReason(args.reason), version=p.version, actor=actor(args)))


def cmd_deceased(args: argparse.Namespace) -> int:
    from careplan.services import lifecycle

    died_on = _day(args.date, "date of death")
    return _change(args, "Recorded the death of", lambda db, p: lifecycle.record_death(
        db, p.id, died_on=died_on, version=p.version, actor=actor(args)))


def cmd_archive(args: argparse.Namespace) -> int:
    from careplan.services import lifecycle

    return _change(args, "Archived", lambda db, p: lifecycle.archive(db, p.id, version=p.version, actor=actor(args)))


def cmd_reinstate(args: argparse.Namespace) -> int:
    from careplan.services import lifecycle

    return _change(args, "Reinstated", lambda db, p: lifecycle.reinstate(db, p.id, version=p.version, actor=actor(args)))
