"""templates (list, add, edit, retire, reinstate), template-export and template-import: the clinic's starter plans."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from careplan.cli.common import actor, add_db_argument, db_from, print_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("templates", help="list the starter plans (templates); add, edit, retire or reinstate one")
    p.add_argument("--json", action="store_true", help="print a JSON array of templates")
    p.add_argument("--all", action="store_true", help="also list retired templates")
    add_db_argument(p)
    p.set_defaults(handler=cmd_templates, action=None)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    for name, what in (("add", "add the clinic's own templates from a YAML file (the format of templates.yaml)"),
                       ("edit", "replace templates with the ones in a YAML file; each one's version goes up")):
        a = actions.add_parser(name, help=what)
        a.add_argument("file", type=Path, metavar="FILE.yaml")
        _common(a)
    a = actions.add_parser("yaml", help="print templates in the file format, to edit and give back to `templates edit`")
    a.add_argument("codes", nargs="*", metavar="CODE", help="which templates (default: all, retired ones too)")
    add_db_argument(a)
    for name, what in (("retire", "stop offering a template (plans it was applied to keep their items)"),
                       ("reinstate", "offer a retired template again")):
        a = actions.add_parser(name, help=what)
        a.add_argument("code", metavar="CODE")
        _common(a)

    p = sub.add_parser("template-export", help="write a starter plan as an HL7 FHIR R4B PlanDefinition (JSON)")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.json", help="where to write it")
    p.add_argument("--force", action="store_true", help="replace an existing file (never a database)")
    _common(p)
    p.set_defaults(handler=cmd_template_export)

    p = sub.add_parser("template-import", help="add a FHIR R4B PlanDefinition (JSON) as one of the clinic's templates")
    p.add_argument("file", type=Path, metavar="FILE.json")
    p.add_argument("--code", metavar="CODE", help="the code to save it under (default: the one in the file)")
    _common(p)
    p.set_defaults(handler=cmd_template_import)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--author", metavar="NAME", help="your name for the audit log (default: your login name)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_db_argument(p)


def open_synced(args: argparse.Namespace) -> Any:
    """The database, with the shipped catalogue and templates brought in first (as the app does at start-up)."""
    from careplan.services import catalogue
    from careplan.services.template_store import sync_shipped_templates_if_changed

    db = db_from(args)
    catalogue.sync_shipped_catalogue_if_changed(db)
    sync_shipped_templates_if_changed(db)
    return db


def template_json(t: Any) -> dict[str, Any]:
    """One template as `careplan templates --json` prints it (keys are only ever added)."""
    from careplan.domain.templates import items_to_json

    return {"code": t.code, "version": t.version, "title": t.title, "applies_when": t.applies_when,
            "source": t.source, "items": items_to_json(t.items), "active": t.active, "custom": t.custom,
            "edited_by": t.edited_by, "edited_at": t.edited_at.isoformat() if t.edited_at else None}


def cmd_templates(args: argparse.Namespace) -> int:
    if args.action is not None:
        return {"add": _add_or_edit, "edit": _add_or_edit, "retire": _set_active, "reinstate": _set_active,
                "yaml": _print_yaml}[args.action](args)
    from careplan.services.template_store import list_templates

    templates = list_templates(open_synced(args), include_retired=args.all)
    if args.json:
        print_json([template_json(t) for t in templates])
    else:
        for t in templates:
            state = "" if t.active else "  (retired)"
            print(f"{t.code:20} v{t.version:<3} {t.title:28} {len(t.items)} items{state}")
    return 0


def _add_or_edit(args: argparse.Namespace) -> int:
    from careplan.services.template_exchange import read_template_file
    from careplan.services.template_store import add_templates, edit_template, get_template

    db = open_synced(args)
    templates = read_template_file(db, args.file)
    if args.action == "add":
        saved, before = add_templates(db, templates, actor=actor(args)), {}
    else:
        before = {t.code: get_template(db, t.code).row_version for t in templates}
        saved = [edit_template(db, t, actor=actor(args)) for t in templates]
    if args.json:
        print_json([template_json(t) for t in saved])
        return 0
    for t in saved:
        if before.get(t.code) == t.row_version:
            print(f"{t.code} (version {t.version}) is already as in the file; nothing was saved.")
        else:
            print(f"{'Added' if args.action == 'add' else 'Saved'} {t.code} as version {t.version}: {t.title} "
                  f"({len(t.items)} items).")
    return 0


def _print_yaml(args: argparse.Namespace) -> int:
    from careplan.services.template_store import get_template, list_templates, templates_yaml

    db = open_synced(args)
    templates = [get_template(db, c) for c in args.codes] if args.codes else list_templates(db, include_retired=True)
    print(templates_yaml(templates), end="")
    return 0


def _set_active(args: argparse.Namespace) -> int:
    from careplan.services.template_store import set_active

    t = set_active(open_synced(args), args.code, args.action == "reinstate", actor=actor(args))
    if args.json:
        print_json(template_json(t))
    else:
        print(f"{t.code} ({t.label}) is {'offered again' if t.active else 'retired'}.")
    return 0


def cmd_template_export(args: argparse.Namespace) -> int:
    from careplan.services.template_exchange import export_plan_definition

    path = export_plan_definition(open_synced(args), args.code, args.out, actor=actor(args), force=args.force)
    if args.json:
        print_json({"file": str(path), "code": args.code})
    else:
        print(f"Wrote the starter plan {args.code} as a FHIR R4B PlanDefinition to {path}.")
    return 0


def cmd_template_import(args: argparse.Namespace) -> int:
    from careplan.services.template_exchange import import_plan_definition

    t = import_plan_definition(open_synced(args), args.file, code=args.code, actor=actor(args))
    if args.json:
        print_json(template_json(t))
    else:
        print(f"Added the starter plan {t.code} (version {t.version}): {t.title} ({len(t.items)} items).")
    return 0
