"""Restore refuses what it cannot do safely (issue 18 leftovers): another CarePlan process has the
database open, the folder is read-only, the disk fills, the backup is truncated or from a newer
CarePlan. Each time: one line, exit 2, and the live database byte for byte as it was."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from careplan.persistence import presence
from careplan.persistence.engine import open_database
from careplan.services import storage_errors
from tests.history_fixtures import file_digest
from tests.test_db_problems import _file_size_limit, _read_only_mount_works, on_read_only_media

CAREPLAN = [sys.executable, "-m", "careplan"]
IN_USE_LINE = f"careplan: {presence.IN_USE}\n"
# A second CarePlan: opens the database, then returns every SQLite connection to nothing, as an app
# window does while a coordinator reads a printout: SQLite itself no longer sees it, the lock does.
HOLDER = ("import sys; from careplan.persistence.engine import open_database; db = open_database(sys.argv[1]); "
          "db.reading().__enter__(); db.engine.dispose(); print('open', flush=True); sys.stdin.read()")


def careplan(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CAREPLAN, *args], capture_output=True, text=True, timeout=180, **kw)  # type: ignore[call-overload, no-any-return]


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: file_digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A closed live database (3 patients) in its own folder, and a backup of another one."""
    base = tmp_path_factory.mktemp("guards")
    other, live = base / "other.sqlite3", base / "clinic" / "careplan.sqlite3"
    live.parent.mkdir()
    assert careplan("demo", "--patients", "2", "--seed", "1", "--create", "--db", str(other)).returncode == 0
    assert careplan("backup", str(base / "backup.sqlite3"), "--db", str(other)).returncode == 0
    assert careplan("demo", "--patients", "3", "--seed", "2", "--create", "--db", str(live)).returncode == 0
    return live, base / "backup.sqlite3"


@pytest.fixture
def live(made: tuple[Path, Path], tmp_path: Path) -> Path:
    path = tmp_path / "clinic" / "careplan.sqlite3"
    path.parent.mkdir()
    path.write_bytes(made[0].read_bytes())
    open_database(str(path)).dispose()  # opened once, as the app did: its lock file is there too
    return path


def _holder(live: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(live)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "open\n"
    return child


def test_restore_refuses_while_another_careplan_process_has_the_database_open(
        made: tuple[Path, Path], live: Path) -> None:
    backup = made[1]
    child = _holder(live)
    try:
        before = folder_state(live.parent)
        done = careplan("restore", str(backup), "--force", "--db", str(live))
        assert (done.returncode, done.stdout, done.stderr) == (2, "", IN_USE_LINE)
        assert folder_state(live.parent) == before  # the live file byte for byte; nothing kept aside or staged
    finally:
        child.communicate("")  # the other window closes
    done = careplan("restore", str(backup), "--force", "--db", str(live))
    assert done.returncode == 0, done.stderr
    assert len(list(live.parent.glob("careplan.sqlite3.replaced-*"))) == 1


def test_a_killed_careplan_never_blocks_a_restore(made: tuple[Path, Path], live: Path) -> None:
    child = _holder(live)
    os.kill(child.pid, signal.SIGKILL)  # no clean-up at all: the kernel drops the lock with the process
    child.wait()
    done = careplan("restore", str(made[1]), "--force", "--db", str(live))
    assert done.returncode == 0, done.stderr


def test_opening_waits_for_a_restore_in_progress_then_says_so(live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREPLAN_BUSY_TIMEOUT_MS", "200")
    with presence.exclusive(live), pytest.raises(presence.DatabaseInUseError, match="A restore is putting a backup"):
        open_database(str(live))
    open_database(str(live)).dispose()  # once the restore is done, it opens


def test_the_lock_file_is_private_and_stays(live: Path) -> None:
    db = open_database(str(live))
    db.dispose()
    lock = presence.lock_path(live)
    assert lock.stat().st_mode & 0o077 == 0
    with presence.exclusive(live):
        pass
    assert lock.exists()  # never deleted: a deleted lock file lets two processes lock two different files


def test_restore_into_a_read_only_folder(made: tuple[Path, Path], live: Path, tmp_path: Path) -> None:
    backup = made[1]
    before = folder_state(live.parent)
    if _read_only_mount_works(tmp_path):  # a real read-only mount (EROFS), whoever runs the tests
        done = on_read_only_media(live.parent, "restore", str(backup), "--force", "--db", str(live))
        words = "is on a read-only disk or mount"
    elif os.geteuid() != 0:  # no mount namespaces here: a folder without write permission (EACCES)
        live.parent.chmod(0o500)
        try:
            done = careplan("restore", str(backup), "--force", "--db", str(live))
        finally:
            live.parent.chmod(0o700)
        words = "You may not write in"
    else:
        pytest.skip("running as root without `unshare -rm`: chmod cannot stop root writing, and no read-only "
                    "mount can be made, so there is no real read-only folder to test with")
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr and "The current database was not changed." in done.stderr
    assert folder_state(live.parent) == before


def test_restore_on_a_full_disk(made: tuple[Path, Path], live: Path) -> None:
    """RLIMIT_FSIZE makes every write past the limit fail with EFBIG, as ENOSPC does on a full disk."""
    backup = made[1]
    before = folder_state(live.parent)
    done = careplan("restore", str(backup), "--force", "--db", str(live),
                    preexec_fn=_file_size_limit(backup.stat().st_size // 3))
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "not enough room on the disk" in done.stderr and "The current database was not changed." in done.stderr
    assert folder_state(live.parent) == before  # no staged copy, no kept-aside file, the live file as it was


@pytest.mark.parametrize("kind", ["truncated", "newer"])
def test_a_truncated_or_newer_backup_is_one_line_and_changes_nothing(made: tuple[Path, Path], live: Path,
                                                                     tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "bad.sqlite3"
    whole = made[1].read_bytes()
    if kind == "truncated":
        bad.write_bytes(whole[: len(whole) // 3])
    else:
        bad.write_bytes(whole)
        conn = sqlite3.connect(bad)
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.commit()
        conn.close()
    before = folder_state(live.parent)
    done = careplan("restore", str(bad), "--force", "--db", str(live))
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "nothing was restored" in done.stderr.lower()
    assert ("newer" in done.stderr) if kind == "newer" else ("damaged" in done.stderr or "truncated" in done.stderr)
    assert folder_state(live.parent) == before


@pytest.mark.parametrize(("error", "words"), [
    (OSError(errno.ENOSPC, "No space left on device"), "not enough room"),
    (OSError(errno.EFBIG, "File too large"), "not enough room"),
    (OSError(errno.EROFS, "Read-only file system"), "read-only disk or mount"),
    (OSError(errno.EACCES, "Permission denied"), "You may not write in"),
    (OSError(errno.EPERM, "Operation not permitted"), "You may not write in"),
    (sqlite3.OperationalError("database or disk is full"), "not enough room"),
    (sqlite3.OperationalError("disk I/O error"), "not enough room"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read-only disk or mount"),
    (OSError(errno.EIO, "Input/output error"), "stopped: Input/output error"),
])
def test_every_storage_failure_is_one_sentence(error: OSError | sqlite3.Error, words: str, tmp_path: Path) -> None:
    line = storage_errors.explain(error, tmp_path, doing="the restore", unchanged="Nothing was changed.")
    assert words in line and str(tmp_path) in line and "Nothing was changed." in line and "\n" not in line
