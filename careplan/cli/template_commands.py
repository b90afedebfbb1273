"""apply-template: adding a starter plan to a plan (templates are in template_admin, the FHIR export in fhir_commands)."""

from __future__ import annotations

import argparse

from careplan.cli.common import actor, add_db_argument, print_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("apply-template", help="add a starter plan's missing items to a patient's plan as one revision")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("code", metavar="CODE", help="the template code (see `careplan templates`)")
    p.add_argument("--reason", required=True, help="why; saved after \"Template <title> v<version>: \"")
    p.add_argument("--author", metavar="NAME", help="who applies it, for the history (default: your login name)")
    p.add_argument("--json", action="store_true", help="print what was added as JSON")
    add_db_argument(p)
    p.set_defaults(handler=cmd_apply_template)


def cmd_apply_template(args: argparse.Namespace) -> int:
    from careplan.cli.template_admin import open_synced
    from careplan.services.patients import get_patient_by_mrn
    from careplan.services.templates import apply_template, usable_template

    db = open_synced(args)
    usable_template(db, args.code)  # an unknown or retired template is named before the patient is looked up
    patient = get_patient_by_mrn(db, args.mrn)
    applied = apply_template(db, patient.id or 0, args.code, author=actor(args), reason=args.reason)
    rev = applied.revision
    if args.json:
        print_json({
            "mrn": patient.mrn, "template": applied.template.code, "version": applied.template.version,
            "added": [i.catalogue_code for i in applied.added],
            "revision": rev.number if rev else None, "reason": rev.reason if rev else None,
        })
    elif rev is None:
        print(f"Every item of {applied.template.label} is already in {patient.mrn}'s plan; nothing was saved.")
    else:
        print(f"Saved revision {rev.number} of {patient.mrn}'s plan: {len(applied.added)} items added "
              f"({', '.join(i.catalogue_code for i in applied.added)}).")
    return 0

