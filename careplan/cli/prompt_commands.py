"""prompts and rules: guideline prompts for a patient, and the clinic's guideline rules."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from careplan.cli.common import actor, add_db_argument, db_from, print_json

if TYPE_CHECKING:
    from careplan.persistence.engine import Database
    from careplan.services.prompts import Prompt


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("prompts", help="guideline prompts for a patient; accept or dismiss one")
    p.add_argument("mrn", metavar="MRN")
    p.add_argument("--json", action="store_true", help="print the prompts as JSON (a contract: see README)")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--accept", metavar="RULE", help="add the prompt's suggested items to the plan as one revision")
    act.add_argument("--dismiss", metavar="RULE", help="dismiss the prompt (needs --reason)")
    p.add_argument("--reason", metavar="TEXT", help="why: required to dismiss, optional to accept")
    p.add_argument("--author", metavar="NAME", help="who decided (default: your login name)")
    add_db_argument(p)
    p.set_defaults(handler=cmd_prompts)

    p = sub.add_parser("rules", help="list the guideline rules; import, export, retire or reactivate them")
    p.add_argument("--json", action="store_true", help="print the rules as JSON")
    p.add_argument("--all", action="store_true", help="include retired rules")
    add_db_argument(p)
    p.set_defaults(handler=cmd_rules)
    actions = p.add_subparsers(dest="rules_action", metavar="ACTION")
    a = actions.add_parser("import", help="add or edit rules from a YAML file (checked like the shipped one)")
    a.add_argument("file", type=Path, metavar="FILE")
    a.add_argument("--author", metavar="NAME", help="who edited (default: your login name)")
    add_db_argument(a)
    a.set_defaults(handler=cmd_rules_import)
    a = actions.add_parser("export", help="write the rules as a YAML file to edit and import")
    a.add_argument("--out", type=Path, metavar="FILE", help="where to write (default: standard output)")
    a.add_argument("--all", action="store_true", help="include retired rules")
    add_db_argument(a)
    a.set_defaults(handler=cmd_rules_export)
    for name, active in (("retire", False), ("reactivate", True)):
        a = actions.add_parser(name, help=f"{name} a rule (decisions on it are kept)")
        a.add_argument("code", metavar="CODE")
        a.add_argument("--author", metavar="NAME", help="who did it (default: your login name)")
        add_db_argument(a)
        a.set_defaults(handler=cmd_rules_active, active=active)


def _synced(args: argparse.Namespace) -> Database:
    from careplan.services.catalogue import sync_shipped_catalogue_if_changed
    from careplan.services.rules import sync_shipped_rules_if_changed

    db = db_from(args)
    sync_shipped_catalogue_if_changed(db)
    sync_shipped_rules_if_changed(db)
    return db


def prompt_json(p: Prompt) -> dict[str, Any]:
    return {
        "rule": p.rule, "title": p.title,
        "triggered_by": [{"what": t.what, "value": t.value, "on": t.on.isoformat() if t.on else None}
                         for t in p.triggered_by],
        "source": p.source, "suggested_items": list(p.suggested_items), "state": p.state,
        "decided_by": p.decided_by, "decided_at": p.decided_at.isoformat() if p.decided_at else None,
        "reason": p.reason,
    }


def cmd_prompts(args: argparse.Namespace) -> int:
    from careplan.services import prompts
    from careplan.services.patients import get_patient_by_mrn

    db = _synced(args)
    patient = get_patient_by_mrn(db, args.mrn)
    pid = patient.id or 0
    if args.accept:
        rev = prompts.accept(db, pid, args.accept, actor=actor(args), reason=args.reason)
        print(f"Accepted '{args.accept}' for {patient.mrn}: saved revision {rev.number} ({rev.reason}).")
        return 0
    if args.dismiss:
        prompts.dismiss(db, pid, args.dismiss, reason=args.reason or "", actor=actor(args))
        print(f"Dismissed '{args.dismiss}' for {patient.mrn}; it comes back if the rule or its facts change.")
        return 0
    found = prompts.prompts_for(db, pid)
    if args.json:
        print_json([prompt_json(p) for p in found])
        return 0
    if not found:
        print(f"{patient.mrn}: no guideline prompts.")
    for p in found:
        decided = f" by {p.decided_by} {p.decided_at:%Y-%m-%d}" if p.decided_by and p.decided_at else ""
        print(f"[{p.state}{decided}] {p.rule}: {p.title}")
        for t in p.triggered_by:
            print(f"    {t.what}: {t.value}" + (f" on {t.on.isoformat()}" if t.on else ""))
        print(f"    Suggests: {', '.join(p.suggested_items)}. Source: {p.source}")
        if p.reason:
            print(f"    Reason: {p.reason}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from careplan.services.rules import list_rules

    db = _synced(args)
    found = list_rules(db, include_retired=args.all)
    if args.json:
        print_json([{"code": r.code, "title": r.title, "when": r.when, "suggests": list(r.suggests),
                     "rationale": r.rationale, "source": r.source, "revisit": r.revisit, "active": r.active,
                     "custom": r.custom} for r in found])
        return 0
    for r in found:
        print(f"{r.code:34} {r.title}{'' if r.active else '  (retired)'}")
    return 0


def cmd_rules_import(args: argparse.Namespace) -> int:
    from careplan.services.rules import import_rules

    db = _synced(args)
    counts = import_rules(db, args.file, actor=actor(args))
    print(f"Imported {args.file.name}: {counts['added']} added, {counts['edited']} edited, "
          f"{counts['unchanged']} unchanged.")
    return 0


def cmd_rules_export(args: argparse.Namespace) -> int:
    from careplan.atomic_file import write_atomically
    from careplan.services.rules import list_rules, rules_as_yaml

    text = rules_as_yaml(list_rules(_synced(args), include_retired=args.all))
    if args.out is None:
        print(text, end="")
    else:
        write_atomically(args.out, text.encode("utf-8"))
        print(f"Wrote the rules to {args.out}")
    return 0


def cmd_rules_active(args: argparse.Namespace) -> int:
    from careplan.services.rules import set_rule_active

    changed = set_rule_active(_synced(args), args.code, args.active, actor=actor(args))
    verb = "back in use" if args.active else "retired"
    print(f"Rule '{args.code}' is {verb}." if changed else f"Rule '{args.code}' was already {verb}.")
    return 0
