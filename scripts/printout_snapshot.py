"""Snapshot the caregiver printouts of many plans, to show a change to the PDF code left them as
they were: page count, each page's text as PyMuPDF reads it, and a hash of the PDF's bytes.

    .venv/bin/python scripts/printout_snapshot.py plans PLANS.pickle [--patients 80]
    .venv/bin/python scripts/printout_snapshot.py snap PLANS.pickle OUT.json
    .venv/bin/python scripts/printout_snapshot.py compare BEFORE.json AFTER.json

`plans` builds a throwaway demo clinic and pickles its printable plans, with copies that put each
of the scripts of tests/test_pdf_scripts.py (and hostile markup) into the name, an item's title
and instructions, so the before and after runs print the very same plans. `snap` prints each plan
in normal and large print on A4 and Letter with ReportLab's invariant mode (no dates or random
ids), so unchanged output has unchanged bytes. Run `snap` once with the old code (PYTHONPATH
pointing at a copy of it) and once with the new one, then `compare`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import pickle
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ beside it

VARIANTS = tuple((large, paper) for large in (False, True) for paper in ("a4", "letter"))
HOSTILE = "<b>bold</b> & <script>x</script> a < b &amp; 😀"


def _script_copies(plan, samples: dict[str, tuple[str, str]]) -> list:  # PrintablePlan -> list[PrintablePlan]
    out = []
    items = plan.revision.content.items
    for name, text in [*samples.values(), (HOSTILE, HOSTILE)]:
        changed = (replace(items[0], title=f"{items[0].title} {name}", caregiver_instructions=text),
                   *items[1:]) if items else ()
        rev = replace(plan.revision, content=replace(plan.revision.content, items=changed))
        out.append(replace(plan, patient=replace(plan.patient, full_name=name), revision=rev))
    return out


def make_plans(path: Path, patients: int) -> None:
    from bench.pdf import printable
    from bench.printout_pages import demo_plans
    from careplan.cli import main as cli_main
    from careplan.persistence.engine import open_database
    from tests.test_pdf_scripts import SCRIPTS

    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "demo.sqlite3")
        cli_main(["--create", "--db", url, "demo", "--patients", str(patients), "--seed", "1"])
        db = open_database(url)
        plans = demo_plans(db)
        db.dispose()
    plans += [printable(n) for n in (10, 40, 160)]
    plans += _script_copies(plans[1], SCRIPTS)
    path.write_bytes(pickle.dumps(plans))
    print(f"{len(plans)} plans written to {path}")


def snapshot(plans_path: Path, out: Path) -> None:
    import pymupdf
    from reportlab import rl_config

    from careplan.reporting import PdfOptions
    from careplan.reporting.pdf import count_pages, render_plan_pdf

    rl_config.invariant = 1
    plans = pickle.loads(plans_path.read_bytes())
    result = []
    for n, plan in enumerate(plans):
        for large, paper in VARIANTS:
            options = PdfOptions(large_print=large, paper=paper)
            buf = io.BytesIO()
            made = render_plan_pdf(plan, buf, Path("p.pdf"), options)
            with pymupdf.open(stream=buf.getvalue(), filetype="pdf") as doc:
                pages = [page.get_text() for page in doc]
            result.append({"plan": n, "large": large, "paper": paper, "pages": len(pages),
                           "said_pages": made.pages, "counted": count_pages(plan, options),
                           "warnings": made.warnings, "text": pages,
                           "sha256": hashlib.sha256(buf.getvalue()).hexdigest()})
    out.write_text(json.dumps(result, ensure_ascii=False, indent=0))
    print(f"{len(result)} printouts of {len(plans)} plans written to {out}")


def compare(before_path: Path, after_path: Path) -> int:
    before, after = (json.loads(p.read_text()) for p in (before_path, after_path))
    if len(before) != len(after):
        print(f"different numbers of printouts: {len(before)} and {len(after)}")
        return 1
    fields = ("pages", "said_pages", "counted", "warnings", "text", "sha256")
    differ = {f: 0 for f in fields}
    for b, a in zip(before, after, strict=True):
        for f in fields:
            if b[f] != a[f]:
                differ[f] += 1
                if differ[f] <= 3:
                    print(f"plan {b['plan']} large={b['large']} {b['paper']}: {f} differs")
    print(f"{len(before)} printouts compared; differing: " + ", ".join(f"{f} {n}" for f, n in differ.items()))
    return 1 if any(differ.values()) else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plans")
    p.add_argument("plans", type=Path)
    p.add_argument("--patients", type=int, default=80)
    s = sub.add_parser("snap")
    s.add_argument("plans", type=Path)
    s.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.command == "plans":
        make_plans(args.plans, args.patients)
    elif args.command == "snap":
        snapshot(args.plans, args.out)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
