"""Start-up to first paint and peak memory, each in its own child process next to a bare window.

A child's peak resident memory comes from the kernel through os.wait4's rusage, so it is that
one process alone, measured from outside without touching the app.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.core import BENCH_DIR, REPO_ROOT, Figure, Goal, figure

STARTUP_GOAL = Goal(max_ratio=2.0, text="at most 2.0x the bare window")
MEMORY_GOAL = Goal(max_ratio=1.5, text="at most 1.5x the bare window")
_MEASURE = re.compile(r"startup_s=([0-9.]+)")


@dataclass(frozen=True)
class ChildRun:
    startup_s: float
    peak_mb: float


def run_child(cmd: list[str], env: dict[str, str], timeout: float = 120) -> ChildRun:
    """Run one child to its end; its printed startup_s and its own peak RSS (from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=err)
        try:
            _pid, status, usage = _wait4(proc.pid, timeout)
        except TimeoutError:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"{' '.join(cmd)} did not finish within {timeout:.0f} s") from None
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        text, problems = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    found = _MEASURE.search(text)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"{' '.join(cmd[1:])} exited with {proc.returncode} without a startup_s measure: "
                           f"{problems.strip()[-500:]}")
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return ChildRun(float(found.group(1)), peak)


def _wait4(pid: int, timeout: float) -> tuple[int, int, os.struct_rusage]:  # type: ignore[name-defined]
    import time

    deadline = time.monotonic() + timeout
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got == pid:
            return got, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.005)


def app_command(db: Path) -> list[str]:
    return [sys.executable, "-m", "careplan", "--exit-after-startup", "--db", str(db)]


def bare_command(*extra: str) -> list[str]:
    return [sys.executable, str(BENCH_DIR / "bare_window.py"), *extra]


def measure(db: Path, env: dict[str, str], runs: int) -> list[Figure]:
    """Start-up and peak memory from the same child runs, app and bare window taking turns.

    A third child, the bare window that first imports SQLAlchemy, shows the floor: what any window
    that reads the database through SQLAlchemy costs before CarePlan's own code runs.
    """
    app_cmd, bare_cmd, floor_cmd = app_command(db), bare_command(), bare_command("--with-sqlalchemy")
    # One untimed start of each fills the disk cache, so the first timed run is not an outlier.
    for cmd in (bare_cmd, floor_cmd, app_cmd):
        run_child(cmd, env)
    app_runs, bare_runs, floor_runs = [], [], []
    for _ in range(runs):
        bare_runs.append(run_child(bare_cmd, env))
        floor_runs.append(run_child(floor_cmd, env))
        app_runs.append(run_child(app_cmd, env))
    startup = figure("startup", "start-up to first paint", "ms", STARTUP_GOAL,
                     [r.startup_s * 1000 for r in app_runs], [r.startup_s * 1000 for r in bare_runs],
                     via="subprocess", details=_floor([r.startup_s * 1000 for r in floor_runs]))
    memory = figure("peak_memory", "peak memory, big database open", "MB", MEMORY_GOAL,
                    [r.peak_mb for r in app_runs], [r.peak_mb for r in bare_runs], via="subprocess",
                    details=_floor([r.peak_mb for r in floor_runs]))
    for f in (startup, memory):
        floor = f.details["bare_window_with_sqlalchemy"]
        if f.baseline:
            f.note = (f"the bare window that first imports SQLAlchemy takes {floor:.0f} {f.unit}, "
                      f"{floor / f.baseline:.2f}x the bare window")
    return [startup, memory]


def _floor(samples: list[float]) -> dict[str, object]:
    """The floor's median and samples, in the figure's own unit."""
    return {"bare_window_with_sqlalchemy": statistics.median(samples),
            "bare_window_with_sqlalchemy_samples": [round(x, 3) for x in samples]}
