"""Measure the caregiver printout over demo patients: pages per size and paper, and whether page 1
holds "Who to call first" and "When to get help now".

    .venv/bin/python scripts/printout_lengths.py [--patients 80] [--seed 1]

Builds a throwaway demo database in a temporary folder; prints median, lowest and highest page
counts per variant and how many page 1s miss a section.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import pymupdf
from sqlalchemy import select

from careplan.cli import main as cli_main
from careplan.persistence.engine import open_database
from careplan.persistence.models import PatientRow
from careplan.services.printing import write_printout

VARIANTS = [(large, paper) for large in (False, True) for paper in ("a4", "letter")]
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
        with db.reading() as s:
            ids = list(s.scalars(select(PatientRow.id).order_by(PatientRow.id)))
        for large, paper in VARIANTS:
            pages, misses = [], 0
            for pid in ids:
                _, result = write_printout(db, pid, Path(tmp) / "p.pdf", large_print=large, paper=paper)
                pages.append(result.pages)
                with pymupdf.open(result.path) as doc:
                    first = " ".join(doc[0].get_text().split())
                misses += not all(s in first for s in PAGE_ONE)
            label = f"{'large' if large else 'normal'} {paper}"
            print(f"{label:13} median {statistics.median(pages):4} pages (min {min(pages)}, max {max(pages)}); "
                  f"page 1 missing a section: {misses} of {len(ids)}")
        db.dispose()


if __name__ == "__main__":
    main()
