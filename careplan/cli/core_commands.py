"""check, demo, catalogue, patients and history."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from careplan.cli.common import (
    actor,
    add_db_argument,
    db_from,
    describe_database_problem,
    print_json,
)

if TYPE_CHECKING:
    from careplan.services.provenance import ImportMark


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help="check the database: integrity, guards, the revision and audit hash chains")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--seal", metavar="FILE", help="when all is well, write the chains' heads to FILE (keep it elsewhere)")
    p.add_argument("--against", metavar="FILE", help="also prove nothing sealed in FILE was rewritten since")
    add_db_argument(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("demo", help="fill the database with clearly fictional demo patients and plans")
    p.add_argument("--patients", type=int, default=50, metavar="N", help="how many patients (default 50)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed; the same seed gives the same data")
    p.add_argument("--remove", action="store_true",
                   help="remove every demo (fictional) patient with their plans and history; real patients are never touched")
    p.add_argument("--json", action="store_true", help="print what was added or removed as JSON")
    add_db_argument(p)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("catalogue", help="list the active treatment catalogue items")
    p.add_argument("--json", action="store_true", help="print a JSON array of items")
    p.add_argument("--all", action="store_true", help="include retired items")
    add_db_argument(p)
    p.set_defaults(handler=cmd_catalogue)

    p = sub.add_parser("patients", help="list patients")
    p.add_argument("--search", default="", metavar="TEXT", help="only patients whose name or MRN contains TEXT")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    add_db_argument(p)
    p.set_defaults(handler=cmd_patients)

    p = sub.add_parser("history", help="list the revisions of a patient's plan")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    add_db_argument(p)
    p.set_defaults(handler=cmd_history)


def cmd_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from careplan.persistence import db_problems
    from careplan.persistence.errors import DamagedDatabaseError
    from careplan.services.check import CheckReport, check_database
    from careplan.services.seal import read_seal, write_seal

    against = read_seal(Path(args.against)) if args.against else None
    try:
        db = db_from(args, refuse_damaged=False)  # check opens a damaged file, to say what is wrong
        report = check_database(db, against=against, seal=bool(args.seal))
    except DamagedDatabaseError as e:  # too damaged even to look inside: that is the finding
        report = CheckReport(problems=[str(e)])
    except Exception as e:
        found = db_problems.classify(e)
        if found is None or found[0] is not db_problems.Problem.DAMAGED:
            raise  # a lock or a full disk is not a finding: one line, exit 2
        report = CheckReport(problems=[describe_database_problem(e, args) or str(found[1])])
    seal = report.seal() if args.seal and report.ok else None
    sealed = write_seal(seal, Path(args.seal)) if seal else None
    if args.json:
        out: dict[str, object] = {"ok": report.ok, "schema_version": report.schema_version,
                                  "revisions_checked": report.revisions_checked, "problems": report.problems,
                                  "audit_events_checked": report.audit_events_checked,
                                  "assessments_checked": report.assessments_checked,
                                  "signatures_checked": report.signatures_checked}
        if against:
            out["against"] = {"file": args.against, "sealed_at": against.sealed_at.isoformat(), "digest": against.digest}
        if args.seal:
            out["seal"] = {"file": str(sealed), "digest": seal.digest} if seal else None
        print_json(out)
    elif report.ok:
        print("ok")
        if against:
            print(f"Nothing sealed on {against.when} (seal {against.digest[:16]}) was rewritten since.")
        if seal:
            print(f"Sealed {len(report.heads)} plans and the audit log in {sealed}; digest {seal.digest}. "
                  "Keep the file (or the digest) somewhere this database's users cannot write.")
    else:
        for problem in report.problems:
            print(problem)
        if args.seal:
            print("No seal was written: a seal must not vouch for a database with problems.")
    return 0 if report.ok else 1
def cmd_demo(args: argparse.Namespace) -> int:
    from careplan.services.demo import generate_demo

    db = db_from(args)
    if args.remove:
        from careplan.services.demo_removal import remove_demo_patients

        removed = remove_demo_patients(db, actor=actor(args))
        if args.json:
            print_json(removed)
        else:
            print(f"Removed {removed['patients']:,} demo patients with {removed['revisions']:,} plan revisions "
                  f"from {db.describe()}")
        return 0
    started = time.perf_counter()
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\r{done:,} of {total:,} patients", end="", file=sys.stderr, flush=True)

    totals = generate_demo(db, patients=args.patients, seed=args.seed, progress=progress, actor=actor(args))
    if tty:
        print(file=sys.stderr)
    if args.json:
        print_json(totals)
        return 0
    print(f"Added {totals['patients']:,} demo patients with {totals['revisions']:,} plan revisions "
          f"and {totals.get('assessments', 0):,} assessments "
          f"in {time.perf_counter() - started:.1f} s to {db.describe()}")
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    from careplan.services import catalogue

    db = db_from(args)
    catalogue.sync_shipped_catalogue_if_changed(db)
    items = catalogue.list_items(db, include_retired=args.all)
    if args.json:
        print_json([{
            "code": i.code, "discipline": i.discipline.value, "title": i.title,
            "clinical_description": i.clinical_description, "caregiver_instructions": i.caregiver_instructions,
            "frequency": i.frequency, "role": i.role.value, "source": i.source, "active": i.active,
        } for i in items])
    else:
        for i in items:
            print(f"{i.code:32} {i.discipline.label:28} {i.title}{'' if i.active else '  (retired)'}")
    return 0


def cmd_patients(args: argparse.Namespace) -> int:
    from careplan.domain.patient import PatientStatus
    from careplan.services.patients import count_patients, refresh_search_keys, search_patients

    db = db_from(args)
    refresh_search_keys(db)
    total = count_patients(db, args.search)
    rows = []
    page = 1000
    for offset in range(0, total, page):
        rows.extend(search_patients(db, args.search, offset=offset, limit=page))
    if args.json:
        print_json([{
            "mrn": r.mrn, "name": r.full_name, "plan_status": r.plan_status, "revisions": r.revisions,
            "next_review": r.next_review.isoformat() if r.next_review else None, "review": r.review_state.value,
            "status": r.status.value,
        } for r in rows])
    else:
        for r in rows:
            nxt = r.next_review.isoformat() if r.next_review else "-"
            life = "" if r.status is PatientStatus.ACTIVE else f"  [{r.status.label}]"
            print(f"{r.mrn:20} {r.full_name:40} {r.plan_status:7} rev {r.revisions:<4} next review {nxt} ({r.review_state.label}){life}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from careplan.services.patients import get_patient_by_mrn
    from careplan.services.plans import history
    from careplan.services.provenance import imported_revisions
    from careplan.services.signatures import signatures_of

    db = db_from(args)
    patient = get_patient_by_mrn(db, args.mrn)
    revs = history(db, patient.id or 0)
    imported = imported_revisions(db, patient.id or 0)
    signed = signatures_of(db, patient.id or 0)
    if args.json:
        print_json([{
            "revision": r.number, "created_at": r.created_at.isoformat(), "author": r.author, "reason": r.reason,
            "items": r.items, "hash": r.content_hash, "restored_from": r.restored_from,
            **_import_keys(imported.get(r.number)),
            "signatures": [s.as_json() for s in signed.get(r.number, [])],
        } for r in revs])
    else:
        if not revs:
            print(f"{args.mrn} has no saved plan yet.")
        for r in revs:
            local = r.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            print(f"r{r.number:<4} {local}  {r.author:24} {r.items:3} items  {r.reason}")
            if r.number in imported:
                print(f"      {imported[r.number].sentence()}")
            for sig in signed.get(r.number, []):
                print(f"      {sig.shown()}")
    return 0


def _import_keys(mark: ImportMark | None) -> dict[str, str | None]:
    return {"imported_from": mark.file if mark else None, "imported_by": mark.by if mark else None,
            "imported_at": mark.at.isoformat() if mark else None}
