"""`python -m bench --quick` still runs end to end, so the benchmarks cannot rot between full runs.

Times are not asserted here: a loaded test machine says nothing about speed. What is checked
is that every figure was measured, printed and written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.__main__ import FIGURES

REPO = Path(__file__).resolve().parent.parent


def test_quick_bench_measures_prints_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREPLAN_")}
    env["CAREPLAN_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--cache", str(tmp_path / "cache"), "--json", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["name"]: f for f in data["figures"]}
    assert set(figures) == set(FIGURES)
    for name, f in figures.items():
        assert isinstance(f["value"], int | float) and f["value"] > 0, f"{name} was not measured: {f['note']}"
        assert f["samples"] >= 1, name
        assert f["title"] in done.stdout, f"{name} is missing from the printed table"
        if f["baseline"] is not None:
            assert f["ratio"] == f["value"] / f["baseline"], name
    assert data["settings"]["quick"] is True
    assert data["settings"]["patients"] == 200
    assert data["command"] == f"make bench ARGS='--quick --cache {tmp_path / 'cache'} --json {out}'"
    assert data["machine"]["python"] and data["date"]
    # The quick run measures through the real widgets, not a fallback.
    for name in ("search_keystroke", "catalogue_search", "open_plan_editor", "picker_add_item", "history_open"):
        assert figures[name]["via"] == "GUI", name
    # The user's own data folder is never used: children and the bench get a private one.
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_bad_arguments_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--runs", "0", "--cache", str(tmp_path), "--json",
         str(tmp_path / "never.json")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "--runs must be at least 1" in done.stderr
    assert not (tmp_path / "never.json").exists()
