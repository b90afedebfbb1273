"""The worklist with its guideline prompts on PostgreSQL, as bench/worklist.py measures it on SQLite.

    scripts/with-postgres .venv/bin/python scripts/prompts_on_postgres.py [PATIENTS]

Builds a demo clinic (default 1,000 patients) in a schema of its own on the server that
scripts/with-postgres starts, then prints the median of three runs, wall and CPU, of: the whole
worklist; the same rows and the facts the rules decide on read bare with psycopg; the prompt
count alone; and once, the plain read the fast one replaced (tests/prompt_reference.py).
The schema is dropped at the end.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.prompt_reference

from careplan.persistence.engine import open_database  # noqa: E402
from careplan.services import catalogue, prompts, rules  # noqa: E402
from careplan.services.clock import today  # noqa: E402
from careplan.services.demo import generate_demo  # noqa: E402
from careplan.services.prompt_facts import codes_named  # noqa: E402
from careplan.services.worklist import worklist  # noqa: E402
from tests import prompt_reference  # noqa: E402

BARE = (
    "SELECT id, diagnosis_date, onset_date, usual_weight_kg, height_cm FROM patients WHERE status = 'active'",
    """SELECT a.patient_id, a.id, a.assessed_on, a.alsfrs, a.fvc_pct, a.snip_cmh2o, a.weight_kg, a.niv,
              a.gastrostomy, a.kings_recorded
       FROM assessments a
       WHERE a.patient_id IN (SELECT id FROM patients WHERE status = 'active') AND a.assessed_on <= current_date
         AND NOT EXISTS (SELECT 1 FROM assessments c WHERE c.supersedes = a.id AND c.patient_id = a.patient_id)
       ORDER BY a.patient_id, a.assessed_on, a.id""",
    """SELECT pl.patient_id, r.start_date, i.catalogue_code, i.status, i.start_date
       FROM plans pl JOIN plan_revisions r ON r.plan_id = pl.id AND r.number = pl.current_revision
       JOIN revision_items i ON i.revision_id = r.id
       WHERE pl.patient_id IN (SELECT id FROM patients WHERE status = 'active') AND i.catalogue_code = ANY(%(codes)s)
       ORDER BY i.id""",
    "SELECT patient_id, rule_code, decision, rule_hash, facts_hash, actor, decided_at, reason FROM prompt_decisions "
    "ORDER BY id",
    """SELECT p.id, p.mrn, p.full_name, p.created_at, pl.current_revision, pl.next_review
       FROM patients p LEFT OUTER JOIN plans pl ON pl.patient_id = p.id
       WHERE p.status = 'active' AND (pl.id IS NULL OR pl.current_revision = 0 OR pl.next_review <= current_date + 14)""",
    "SELECT p.id, p.mrn, p.full_name, d.author, d.saved_at FROM plan_drafts d JOIN patients p ON p.id = d.patient_id "
    "WHERE p.status = 'active'",
)


def timed(fn: Callable[[], object], runs: int = 3) -> tuple[float, float]:
    """Median wall and CPU milliseconds."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    base = os.environ["CAREPLAN_TEST_PG_URL"]
    schema = f"prompts_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    db = open_database(f"{base}?options=-csearch_path%3D{schema}")
    raw = psycopg.connect(base.replace("postgresql+psycopg", "postgresql"), options=f"-csearch_path={schema}")
    try:
        started = time.perf_counter()
        generate_demo(db, patients=patients, seed=1)
        print(f"demo clinic, {patients:,} patients: {time.perf_counter() - started:.0f} s", flush=True)
        catalogue.sync_catalogue(db)  # as the app does at start-up
        rules.sync_rules(db)
        with db.reading() as s:
            codes = sorted(codes_named(rules.rules_in(s)))

        def bare() -> None:
            with raw.cursor() as cur:
                for sql in BARE:
                    cur.execute(sql, {"codes": codes})
                    cur.fetchall()

        def reference() -> None:
            with db.reading() as s:
                prompt_reference.evaluate_patients(s, today())

        worklist(db)  # warm
        bare()
        for name, fn, runs in (("worklist with prompts", lambda: worklist(db), 3), ("bare reads", bare, 3),
                               ("prompt count alone", lambda: prompts.open_prompt_counts(db), 3),
                               ("the plain read it replaced", reference, 1)):
            wall, cpu = timed(fn, runs)
            print(f"{name}: {wall:.0f} ms wall, {cpu:.0f} ms CPU", flush=True)
    finally:
        db.dispose()
        raw.close()
        with admin.connect() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
