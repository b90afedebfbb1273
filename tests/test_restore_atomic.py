"""Restore by atomic rename only (issue 18): killed at any step, the live path exists and opens,
with either the old data or the restored data, never nothing; the replaced file is kept and listed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from careplan.services.kept_copies import CRASH_ENV, RESTORE_STEPS

CAREPLAN = [sys.executable, "-m", "careplan"]


def careplan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CAREPLAN, *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


def mrns(path: Path) -> set[str]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT mrn FROM patients")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A live database of 3 patients and a backup holding 2 other ones (made once: a demo takes seconds)."""
    base = tmp_path_factory.mktemp("scene")
    backup_source, live = base / "other.sqlite3", base / "live.sqlite3"
    assert careplan("demo", "--patients", "2", "--seed", "1", "--create", "--db", str(backup_source)).returncode == 0
    assert careplan("backup", str(base / "backup.sqlite3"), "--db", str(backup_source)).returncode == 0
    assert careplan("demo", "--patients", "3", "--seed", "2", "--create", "--db", str(live)).returncode == 0
    return live, base / "backup.sqlite3"


@pytest.mark.parametrize("step", RESTORE_STEPS)
def test_a_restore_killed_at_any_step_leaves_a_live_database_that_opens(
        scene: tuple[Path, Path], tmp_path: Path, step: str) -> None:
    origin, backup = scene
    live = tmp_path / "live.sqlite3"
    live.write_bytes(origin.read_bytes())
    old, restored = mrns(live), mrns(backup)
    assert old and restored and old != restored
    done = careplan("restore", str(backup), "--force", "--db", str(live), env={CRASH_ENV: step})
    assert done.returncode == 137, done.stderr  # stopped dead at that step, nothing cleaned up
    assert live.exists()
    assert mrns(live) == (old if RESTORE_STEPS.index(step) < RESTORE_STEPS.index("replaced") else restored)
    check = careplan("check", "--db", str(live))
    assert (check.returncode, check.stdout) == (0, "ok\n"), check.stderr
    kept = sorted(tmp_path.glob("live.sqlite3.replaced-*"))
    if step != "staged":
        assert len(kept) == 1 and mrns(kept[0]) == old  # the data that was in place is never lost
    # The next command removes the killed restore's temporary folder and says so.
    assert not any(p.name.startswith(".live.sqlite3.restore-") for p in tmp_path.iterdir())


def test_restore_keeps_the_replaced_file_and_lists_it(scene: tuple[Path, Path], tmp_path: Path) -> None:
    origin, backup = scene
    live = tmp_path / "live.sqlite3"
    live.write_bytes(origin.read_bytes())
    done = careplan("restore", str(backup), "--force", "--db", str(live))
    assert done.returncode == 0, done.stderr
    kept = next(tmp_path.glob("live.sqlite3.replaced-*"))
    assert str(kept) in done.stdout  # the command names the kept file
    assert oct(kept.stat().st_mode & 0o777) == "0o600" and oct(live.stat().st_mode & 0o777) == "0o600"
    listed = careplan("restore", "--list", "--db", str(live))
    assert listed.returncode == 0
    (line,) = listed.stdout.splitlines()
    assert line.startswith(kept.name) and "3 patients" in line and "UTC" in line and "MB" in line
    assert "replaced by a restore" in line


def test_restore_list_with_nothing_kept_says_so(tmp_path: Path) -> None:
    listed = careplan("restore", "--list", "--db", str(tmp_path / "live.sqlite3"))
    assert (listed.returncode, listed.stdout) == (0, f"No copies are kept beside {tmp_path / 'live.sqlite3'}.\n")


def test_restore_without_a_file_or_list_is_one_line(tmp_path: Path) -> None:
    done = careplan("restore", "--db", str(tmp_path / "live.sqlite3"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--list" in done.stderr
