"""export-pdf: the caregiver printout (a PDF file) of a saved plan revision, from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from careplan.cli.common import actor, add_db_argument, db_from
from careplan.domain.errors import CarePlanError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export-pdf",
        help="write the caregiver printout of a patient's plan, as a PDF file",
        description="Write the caregiver printout of a saved plan revision (the latest unless --revision is given).",
    )
    p.add_argument("mrn", metavar="MRN", help="the patient's clinic number")
    p.add_argument("--out", metavar="FILE", type=Path, default=None,
                   help="where to write the printout (default: careplan-<MRN>-r<N>.pdf in the current folder); "
                   "never a database, its journal files or a backup")
    p.add_argument("--force", action="store_true", help="replace FILE if it already exists (never a database)")
    p.add_argument("--revision", metavar="N", type=int, default=None, help="print revision N instead of the latest")
    p.add_argument("--large-print", action="store_true", help="bigger text for readers with low vision")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4", type=str.lower,
                   help="paper size (default a4)")
    p.add_argument("--author", metavar="NAME", default=None,
                   help="name recorded in the audit log (default: your login name)")
    add_db_argument(p)
    p.set_defaults(handler=cmd_export_pdf)


def cmd_export_pdf(args: argparse.Namespace) -> int:
    from careplan.services.patients import get_patient_by_mrn
    from careplan.services.plans import load_plan
    from careplan.services.printing import default_pdf_name, export_plan_pdf

    db = db_from(args)
    try:
        patient = get_patient_by_mrn(db, args.mrn)
        assert patient.id is not None
        number = args.revision
        if number is None:
            number = load_plan(db, patient.id).number
            if number == 0:
                raise CarePlanError(f"{patient.mrn}'s plan has not been saved yet, so there is nothing to print.")
        out = args.out if args.out is not None else Path.cwd() / default_pdf_name(patient.mrn, number)
        result = export_plan_pdf(db, patient.id, out, revision=number, large_print=args.large_print,
                                 paper=args.paper, actor=actor(args), force=args.force)
    finally:
        db.dispose()
    pages = "1 page" if result.pages == 1 else f"{result.pages} pages"
    print(f"{result.path.resolve()} ({pages}, revision {number})")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0
