"""assess and course: record an assessment of the ALS course, show the course computed."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from careplan.cli.common import actor, add_db_argument, db_from, print_json
from careplan.domain.course import KINGS_STAGES, Provision
from careplan.domain.errors import Problems

if TYPE_CHECKING:
    from careplan.services.course import CourseEntry

PROVISIONS = [p.value for p in Provision]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("assess", help="record an assessment (ALSFRS-R, FVC, SNIP, weight, NIV, gastrostomy)")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day of the assessment (default: today)")
    p.add_argument("--alsfrs", metavar="SCORES",
                   help='the 12 ALSFRS-R scores 0-4, item 5 with its form: "4,4,4,4,4a,4,4,3,4,4,4,4" '
                        "(5a without, 5b with a gastrostomy)")
    p.add_argument("--fvc", type=str, metavar="PCT", help="FVC, %% of predicted")
    p.add_argument("--fvc-litres", type=str, metavar="L", help="FVC in litres")
    p.add_argument("--fvc-position", choices=["sitting", "lying"], help="position the FVC was measured in")
    p.add_argument("--snip", type=str, metavar="CMH2O", help="SNIP (sniff nasal inspiratory pressure), cmH2O")
    p.add_argument("--weight", type=str, metavar="KG", help="weight in kg")
    p.add_argument("--niv", choices=PROVISIONS, help="non-invasive ventilation: in use, offered or declined")
    p.add_argument("--gastrostomy", choices=PROVISIONS, help="gastrostomy: in use, offered or declined")
    p.add_argument("--kings", choices=KINGS_STAGES, help="a King's stage the clinician judged (kept beside the estimate)")
    p.add_argument("--corrects", type=int, metavar="ID",
                   help="this entry corrects (supersedes) assessment ID; the old entry is kept in the history")
    p.add_argument("--reason", default="", metavar="TEXT", help="why the correction was made")
    p.add_argument("--author", metavar="NAME", help="who assessed (default: your login name)")
    p.add_argument("--json", action="store_true", help="print the saved assessment as in `course --json`")
    add_db_argument(p)
    p.set_defaults(handler=cmd_assess)

    p = sub.add_parser("export-summary", help="the clinician summary PDF: course table and charts, plan, what changed")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the PDF")
    p.add_argument("--author", metavar="NAME", help="your name for the audit log (default: your login name)")
    add_db_argument(p)
    p.set_defaults(handler=cmd_export_summary)

    p = sub.add_parser("course", help="show a patient's ALS course: scores, stages and progression rate")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--json", action="store_true", help="print the course as JSON (a contract: see README)")
    add_db_argument(p)
    p.set_defaults(handler=cmd_course)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems = Problems()
        problems.add("date", f"{text!r} is not a date; write it as YYYY-MM-DD.")
        problems.raise_if_any()
        raise


def cmd_assess(args: argparse.Namespace) -> int:
    from careplan.domain.course import Assessment, FvcPosition, parse_alsfrs, parse_number
    from careplan.services.clock import today
    from careplan.services.course import add_assessment, compute, correction
    from careplan.services.course_json import entry_json
    from careplan.services.patients import get_patient_by_mrn

    db = db_from(args)
    patient = get_patient_by_mrn(db, args.mrn)
    given = {
        "assessed_on": _date(args.date),
        "alsfrs": parse_alsfrs(args.alsfrs) if args.alsfrs is not None else None,
        "fvc_pct": parse_number("fvc_pct", args.fvc or ""),
        "fvc_litres": parse_number("fvc_litres", args.fvc_litres or ""),
        "fvc_position": FvcPosition(args.fvc_position) if args.fvc_position else None,
        "snip_cmh2o": parse_number("snip_cmh2o", args.snip or ""),
        "weight_kg": parse_number("weight_kg", args.weight or ""),
        "niv": Provision(args.niv) if args.niv else None,
        "gastrostomy": Provision(args.gastrostomy) if args.gastrostomy else None,
        "kings_recorded": args.kings,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if args.corrects is not None:  # a correction starts from the entry it corrects: only what is given changes
        a = correction(db, patient.id or 0, args.corrects, author=actor(args), reason=args.reason, **given)
    else:
        a = Assessment(**{"assessed_on": today(), **given}, author=actor(args), reason=args.reason)
    saved = add_assessment(db, patient.id or 0, a)
    entry = compute(patient, saved)
    if args.json:
        print_json(entry_json(entry))
    else:
        print(f"Recorded assessment {saved.id} for {patient.mrn} on {saved.assessed_on.isoformat()}.")
        for line in summary_lines(entry):
            print(f"  {line}")
    return 0


def summary_lines(entry: CourseEntry) -> list[str]:
    lines = []
    if entry.scores:
        lines.append(entry.scores.rule)
    k = entry.kings
    lines.append(f"King's stage {k.stage or 'not estimable'} ({k.source}): {k.reason}")
    if entry.kings_recorded:
        lines.append(f"King's stage {entry.kings_recorded.stage} ({entry.kings_recorded.source}).")
    for name, c in (("MiToS", entry.mitos), ("ΔFS", entry.delta_fs), ("BMI", entry.bmi),
                    ("Weight change", entry.weight_change_pct)):
        lines.append(f"{name}: {c.rule}")
    return lines


def cmd_course(args: argparse.Namespace) -> int:
    from careplan.services.course import get_course
    from careplan.services.course_json import course_json
    from careplan.services.patients import get_patient_by_mrn

    db = db_from(args)
    patient = get_patient_by_mrn(db, args.mrn)
    course = get_course(db, patient.id or 0)
    if args.json:
        print_json(course_json(course))
        return 0
    onset = patient.onset_date.isoformat() if patient.onset_date else "not recorded"
    print(f"{patient.mrn}: symptom onset {onset}; {len(course.entries)} assessment(s).")
    for e in course.entries:
        a = e.assessment
        total = f"ALSFRS-R {e.scores.total}" if e.scores else "no ALSFRS-R"
        fvc = f"FVC {a.fvc_pct:g}%" if a.fvc_pct is not None else ""
        weight = f"{a.weight_kg:g} kg" if a.weight_kg is not None else ""
        kings = e.kings.stage or "-"
        mitos = "-" if e.mitos.value is None else f"{e.mitos.value:g}"
        dfs = "-" if e.delta_fs.value is None else f"{e.delta_fs.value:.2f}"
        parts = [total, fvc, weight, f"King's {kings}", f"MiToS {mitos}", f"ΔFS {dfs}"]
        print(f"#{a.id:<5} {a.assessed_on.isoformat()}  {a.author:20} " + "  ".join(p for p in parts if p))
    return 0


def cmd_export_summary(args: argparse.Namespace) -> int:
    from pathlib import Path

    from careplan.services.patients import get_patient_by_mrn
    from careplan.services.summary import export_summary

    db = db_from(args)
    patient = get_patient_by_mrn(db, args.mrn)
    path, pages = export_summary(db, patient.id or 0, Path(args.out), actor=actor(args))
    print(f"Wrote the clinician summary of {patient.mrn} ({pages} page{'s' if pages != 1 else ''}) to {path}")
    return 0
