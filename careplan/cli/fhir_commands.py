"""fhir (alias export-fhir): a patient's plan and ALS course as an HL7 FHIR R4B Bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from careplan.cli.common import UserFacingError, actor, add_db_argument, db_from, print_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fhir", aliases=["export-fhir"],
                       help="write a patient's plan and assessments as an HL7 FHIR R4B Bundle (JSON)")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--out", type=Path, metavar="FILE.json", help="where to write the bundle (default: standard output)")
    p.add_argument("--history", action="store_true",
                   help="every revision (one CarePlan each, linked by `replaces`) and every assessment, "
                        "corrected ones marked entered-in-error")
    p.add_argument("--force", action="store_true", help="replace an existing file (never a database)")
    p.add_argument("--author", metavar="NAME", help="your name for the audit log (default: your login name)")
    p.add_argument("--json", action="store_true", help="print {file, revision, resources} as JSON (needs --out)")
    add_db_argument(p)
    p.set_defaults(handler=cmd_fhir)


def cmd_fhir(args: argparse.Namespace) -> int:
    from careplan.services.fhir_export import export_fhir
    from careplan.services.patients import get_patient_by_mrn

    if args.json and args.out is None:
        raise UserFacingError("--json describes a written file: give --out FILE.json too (without --out the "
                              "bundle itself is printed).")
    db = db_from(args)
    patient = get_patient_by_mrn(db, args.mrn)
    result = export_fhir(db, patient.id or 0, args.out, actor=actor(args), force=args.force, history=args.history)
    if result.path is None:
        sys.stdout.write(result.text)
    elif args.json:
        print_json({"file": str(result.path), "revision": result.revision, "resources": result.resources})
    else:
        what = "every revision" if args.history else f"revision {result.revision}"
        print(f"Wrote {what} of {patient.mrn}'s plan as FHIR R4B ({result.resources} resources) to {result.path}.")
    return 0
