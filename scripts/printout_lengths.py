"""Measure the caregiver printout over demo patients: pages per size and paper, and whether page 1
holds "Who to call first" and "When to get help now".

    .venv/bin/python scripts/printout_lengths.py [--patients 80] [--seed 1]

Builds a throwaway demo database in a temporary folder; prints the median, lowest and highest page
counts per variant (the README's figures) and how many page 1s miss a section. The budget itself
is asserted by tests/test_printout_length.py.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ beside it
from bench.printout_pages import BUDGET, demo_plans, page_spreads
from careplan.cli import main as cli_main
from careplan.persistence.engine import open_database
from careplan.reporting import PdfOptions
from careplan.reporting.pdf import render_plan_pdf

PAGE_ONE = ("Who to call first", "When to get help now", "What changed in this version")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=80)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "demo.sqlite3")
        cli_main(["--create", "--db", url, "demo", "--patients", str(args.patients), "--seed", str(args.seed)])
        db = open_database(url)
        plans = demo_plans(db)
        for spread in page_spreads(plans):
            misses = 0
            for plan in plans:
                out = io.BytesIO()
                render_plan_pdf(plan, out, Path("p.pdf"), PdfOptions(large_print=spread.large, paper=spread.paper))
                with pymupdf.open(stream=out.getvalue(), filetype="pdf") as doc:
                    first = " ".join(doc[0].get_text().split())
                misses += not all(s in first for s in PAGE_ONE)
            print(f"{spread.line()}; budget {BUDGET[spread.large]}; page 1 missing a section: {misses}")
        db.dispose()


if __name__ == "__main__":
    main()
