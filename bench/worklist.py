"""The worklist (the home screen's read) over the big database, against the same rows read bare.

The baseline runs the worklist's two queries as plain SQL on a bare SQLite connection: what any
program must pay to find those rows. The service adds SQLAlchemy, the rules (which reason, how
many days) and the sort by urgency.

`worklist_prompts` is the whole worklist, the guideline prompts rows too, as the home screen
shows it after its second read. Its baseline adds the bare reads any program must make to decide
the prompts: each active patient's current visits, the items of each latest plan that the rules
name, and the decisions. The service adds choosing the visits the rules read, the rules themselves,
the decisions' hashes and the counts.
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


PROMPT_GOAL = Goal(max_value=1000, max_ratio=3.0, text="at most 3x the bare reads, under 1 s")
BARE_FACTS = ("""
SELECT id, diagnosis_date, onset_date, usual_weight_kg, height_cm FROM patients WHERE status = 'active'
""", """
SELECT a.patient_id, a.id, a.assessed_on, a.alsfrs, a.fvc_pct, a.snip_cmh2o, a.weight_kg, a.niv, a.gastrostomy,
       a.kings_recorded
FROM assessments a
WHERE a.patient_id IN (SELECT id FROM patients WHERE status = 'active') AND a.assessed_on <= ?
  AND NOT EXISTS (SELECT 1 FROM assessments c WHERE c.supersedes = a.id AND c.patient_id = a.patient_id)
ORDER BY a.patient_id, a.assessed_on, a.id
""", """
SELECT pl.patient_id, r.start_date, i.catalogue_code, i.status, i.start_date
FROM plans pl JOIN plan_revisions r ON r.plan_id = pl.id AND r.number = pl.current_revision
JOIN revision_items i ON i.revision_id = r.id
WHERE pl.patient_id IN (SELECT id FROM patients WHERE status = 'active') AND i.catalogue_code IN ({codes})
ORDER BY i.id
""", """
SELECT patient_id, rule_code, decision, rule_hash, facts_hash, actor, decided_at, reason
FROM prompt_decisions ORDER BY id
""")


def bare(path: Path, runs: int, codes: list[str] | None = None) -> list[float]:
    """The dated rows' two queries; with `codes` (the rules' catalogue codes), the prompts' reads too."""
    horizon = (date.today() + timedelta(days=14)).isoformat()
    today = date.today().isoformat()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    facts = [q.replace("{codes}", ", ".join("?" * len(codes or ()))) for q in BARE_FACTS]
    try:
        def read() -> None:
            con.execute(BARE_PLANS, (horizon,)).fetchall()
            con.execute(BARE_DRAFTS).fetchall()
            if codes is not None:
                con.execute(facts[0]).fetchall()
                con.execute(facts[1], (today,)).fetchall()
                con.execute(facts[2], codes).fetchall()
                con.execute(facts[3]).fetchall()

        read()  # warm: the pages in memory
        return [timed(read) * 1000 for _ in range(runs)]
    finally:
        con.close()


def measure(db, path: Path, runs: int) -> list[Figure]:
    return [dated(db, path, runs), with_prompts(db, path, runs)]


def dated(db, path: Path, runs: int) -> Figure:
    from careplan.services.patients import count_patients
    from careplan.services.worklist import worklist

    # The home screen's first read: the dated rows, against the same two queries bare. The guideline
    # prompts rows come from a second read (services.worklist.prompt_work): with_prompts below.
    rows = worklist(db, prompts=False)  # warm: statement cache, the pages in memory
    samples = [timed(lambda: worklist(db, prompts=False)) * 1000 for _ in range(runs * 3)]
    baseline = bare(path, runs * 3)
    return figure("worklist", f"worklist, {count_patients(db):,} patients", "ms", GOAL, samples, baseline,
                  via="services", note=f"{len(rows):,} rows listed", details={"rows": len(rows)})


def with_prompts(db, path: Path, runs: int) -> Figure:
    from careplan.services import catalogue, rules
    from careplan.services.patients import count_patients
    from careplan.services.prompt_facts import codes_named
    from careplan.services.worklist import WorkKind, worklist

    catalogue.sync_catalogue(db)  # as the app does at start-up: the demo database holds no rules yet
    rules.sync_rules(db)
    with db.reading() as s:
        codes = sorted(codes_named(rules.rules_in(s)))
    rows = worklist(db)  # warm
    samples = [timed(lambda: worklist(db)) * 1000 for _ in range(runs)]
    baseline = bare(path, runs, codes)
    prompted = sum(1 for r in rows if r.kind is WorkKind.PROMPTS)
    return figure("worklist_prompts", f"worklist with guideline prompts, {count_patients(db):,} patients", "ms",
                  PROMPT_GOAL, samples, baseline, via="services",
                  note=f"{len(rows):,} rows listed, {prompted:,} of them prompts",
                  details={"rows": len(rows), "prompt_rows": prompted})
