"""`careplan check` on the big database: time per revision, and the command's peak memory.

The time is judged against a bare baseline: plain sqlite3 reading the same rows with the same
two ordered queries and doing nothing with them, so the ratio is what recomputing the hash
chain adds to reading it. The memory is the peak resident size of `careplan check` run as a
user runs it, in a child process, read from the kernel's accounting of that child alone.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.core import REPO_ROOT, Figure, Goal, figure, timed

TIME_GOAL = Goal(max_value=500, max_ratio=10, text="under 500 µs a revision, at most 10x a bare read")
MEMORY_GOAL = Goal(max_value=150, text="under 150 MB")
MAX_RUNS = 3  # each run reads the whole history: a few are enough for a median

# The rows check reads, in its order (see careplan/services/check.py).
BARE_QUERIES = (
    "SELECT pl.id, pl.current_revision, pl.last_hash, p.mrn, r.* FROM plans pl "
    "JOIN patients p ON p.id = pl.patient_id LEFT OUTER JOIN plan_revisions r ON r.plan_id = pl.id "
    "ORDER BY pl.id, r.number",
    "SELECT i.* FROM revision_items i JOIN plan_revisions r ON r.id = i.revision_id "
    "JOIN plans pl ON pl.id = r.plan_id JOIN patients p ON p.id = pl.patient_id "
    "ORDER BY r.plan_id, r.number, i.position",
)


def bare_read(path: Path) -> float:
    """Seconds for plain sqlite3 to read every row check reads."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        start = time.perf_counter()
        for q in BARE_QUERIES:
            cur = con.execute(q)
            while cur.fetchmany(1000):
                pass
        return time.perf_counter() - start
    finally:
        con.close()


def check_command(path: Path, env: dict[str, str]) -> tuple[float, float, dict[str, object]]:
    """Peak resident MB and wall seconds of `careplan check --json`, and what it printed."""
    cmd = [sys.executable, "-m", "careplan", "check", "--json", "--db", str(path)]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        # Not proc.wait(): os.wait4 reaps the child and returns its own rusage, not every child's.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"`careplan check` exited {proc.returncode}: {(out + err.read()).decode()[-500:]}")
    return usage.ru_maxrss / 1024, seconds, json.loads(out)  # ru_maxrss is in KiB on Linux


def measure(db, path: Path, env: dict[str, str], runs: int) -> list[Figure]:
    from careplan.services.check import check_database

    mb, wall, printed = check_command(path, env)
    revisions = int(printed["revisions_checked"])  # type: ignore[call-overload]
    if not printed["ok"] or not revisions:
        raise RuntimeError(f"check found problems or no revisions in the bench database: {printed}")
    per_revision, bare = [], []
    for _ in range(min(runs, MAX_RUNS)):
        bare.append(bare_read(path) / revisions * 1e6)
        per_revision.append(timed(lambda: check_database(db)) / revisions * 1e6)
    patients = _patients(path)
    return [
        figure("check_per_revision", f"careplan check, per revision ({revisions:,} revisions)", "µs", TIME_GOAL,
               per_revision, bare, via="services",
               note=f"baseline: bare sqlite3 reading the same rows; whole check {sum(per_revision) / len(per_revision) * revisions / 1e6:.1f} s",
               details={"revisions": revisions, "patients": patients}),
        figure("check_peak_memory", f"careplan check peak memory, {patients:,} patients", "MB", MEMORY_GOAL, [mb],
               via="subprocess", note=f"{revisions:,} revisions checked in {wall:.1f} s by the command",
               details={"revisions": revisions, "patients": patients, "seconds": round(wall, 2)}),
    ]


def _patients(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM patients").fetchone()[0])
    finally:
        con.close()
