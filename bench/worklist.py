"""The worklist (the home screen's read) over the big database, against the same rows read bare.

The baseline runs the worklist's two queries as plain SQL on a bare SQLite connection: what any
program must pay to find those rows. The service adds SQLAlchemy, the rules (which reason, how
many days) and the sort by urgency.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from bench.core import Figure, Goal, figure, timed

GOAL = Goal(max_value=200, max_ratio=3.0, text="at most 3x the bare queries, under 200 ms")
BARE_PLANS = """
SELECT p.id, p.mrn, p.full_name, p.created_at, pl.current_revision, pl.next_review
FROM patients p LEFT OUTER JOIN plans pl ON pl.patient_id = p.id
WHERE p.status = 'active' AND (pl.id IS NULL OR pl.current_revision = 0 OR pl.next_review <= ?)
"""
BARE_DRAFTS = """
SELECT p.id, p.mrn, p.full_name, d.author, d.saved_at
FROM plan_drafts d JOIN patients p ON p.id = d.patient_id WHERE p.status = 'active'
"""


def bare(path: Path, runs: int) -> list[float]:
    horizon = (date.today() + timedelta(days=14)).isoformat()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        def read() -> None:
            con.execute(BARE_PLANS, (horizon,)).fetchall()
            con.execute(BARE_DRAFTS).fetchall()

        read()  # warm: the pages in memory
        return [timed(read) * 1000 for _ in range(runs)]
    finally:
        con.close()


def measure(db, path: Path, runs: int) -> Figure:
    from careplan.services.patients import count_patients
    from careplan.services.worklist import worklist

    # The home screen's first read: the dated rows, against the same two queries bare. The guideline
    # prompts rows come from a second read (services.worklist.prompt_work), not measured here yet.
    rows = worklist(db, prompts=False)  # warm: statement cache, the pages in memory
    samples = [timed(lambda: worklist(db, prompts=False)) * 1000 for _ in range(runs * 3)]
    baseline = bare(path, runs * 3)
    return figure("worklist", f"worklist, {count_patients(db):,} patients", "ms", GOAL, samples, baseline,
                  via="services", note=f"{len(rows):,} rows listed", details={"rows": len(rows)})
