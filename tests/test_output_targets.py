"""Where a command may write (services/output_target.py): never the database, its journal files or a
backup, an existing file only with --force; every writer, every case leaves the files byte for byte.

The grave case this guards: `export-pdf --out <the database>` once replaced the clinic's database
with a PDF and exited 0; pointed at the -wal file while another program had the database open, it
silently discarded committed transactions.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careplan.atomic_file import PARTIAL_SUFFIX, leftovers
from careplan.cli import main
from careplan.persistence.engine import open_database
from careplan.services import audit
from careplan.services.printing import default_pdf_name

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def go(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err
    return go


def folder_digest(folder: Path) -> dict[str, str]:
    """Every file in the folder, byte for byte; the -shm file by its size and first bytes only: it is
    SQLite's shared-memory index, which every reader writes its read marks into."""
    def digest(p: Path) -> str:
        data = p.read_bytes()
        return f"{len(data)}:{data[:16]!r}" if p.name.endswith("-shm") else hashlib.sha256(data).hexdigest()
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("careplan: "), err
    return lines[0]


@pytest.fixture
def clinic(tmp_path: Path, run: Run) -> Iterator[tuple[Path, sqlite3.Connection, str]]:
    """A demo database in its own folder, held open by another program that has committed
    transactions still in the write-ahead log (its read snapshot keeps them from being checkpointed)."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    db = folder / "careplan.sqlite3"
    assert run("demo", "--patients", "2", "--create", "--db", str(db))[0] == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM patients").fetchone()
    assert run("demo", "--patients", "3", "--seed", "2", "--create", "--db", str(db))[0] == 0  # 3 patients only in the WAL
    assert Path(f"{db}-wal").stat().st_size > 0
    yield db, holder, first_mrn(str(db), run)
    holder.close()


def first_mrn(db: str, run: Run) -> str:
    return str(json.loads(run("patients", "--json", "--db", db)[1])[0]["mrn"])


def audit_events(db: Path) -> list[audit.AuditEvent]:
    database = open_database(str(db))
    try:
        return audit.list_events(database, limit=1000)
    finally:
        database.dispose()


def _backup_of(db: Path, folder: Path, run: Run) -> Path:
    target = folder / "careplan-backup.sqlite3"
    assert run("backup", str(target), "--db", str(db))[0] == 0
    return target


# name -> (how to make the target beside the database, refused even with --force)
TARGETS: dict[str, tuple[Callable[[Path, Run], Path], bool]] = {
    "the database": (lambda db, run: db, True),
    "the database through a symlink": (lambda db, run: _symlink(db), True),
    "its -wal file": (lambda db, run: Path(f"{db}-wal"), True),
    "its -shm file": (lambda db, run: Path(f"{db}-shm"), True),
    "its -journal name": (lambda db, run: Path(f"{db}-journal"), True),
    "a backup": (lambda db, run: _backup_of(db, db.parent, run), True),
    "an upgrade backup by its name": (lambda db, run: _write(db.parent / "careplan.sqlite3.before-x-from-y.bak",
                                                             b"half a file"), True),
    "another program's database": (lambda db, run: _other_sqlite(db.parent / "other.db"), True),
    "an existing file": (lambda db, run: _write(db.parent / "letter.pdf", b"a letter, not a printout"), False),
}


def _symlink(db: Path) -> Path:
    link = db.parent / "shortcut.pdf"
    link.symlink_to(db)
    return link


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _other_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    return path


def _command(name: str, target: Path, db: Path, mrn: str, force: bool) -> list[str]:
    args = {"export-pdf": ["export-pdf", mrn, "--out", str(target)], "export": ["export", "--out", str(target)],
            "backup": ["backup", str(target)]}[name]
    return [*args, "--db", str(db), *(["--force"] if force else [])]


@pytest.mark.parametrize("command", ["export-pdf", "export", "backup"])
@pytest.mark.parametrize("case", list(TARGETS))
def test_a_refused_target_leaves_every_file_byte_for_byte(
        clinic: tuple[Path, sqlite3.Connection, str], run: Run, command: str, case: str) -> None:
    db, holder, mrn = clinic
    make, always = TARGETS[case]
    target = make(db, run)
    before = folder_digest(db.parent)
    events = len(audit_events(db))
    for force in ([False, True] if always else [False]):
        code, out, err = run(*_command(command, target, db, mrn, force))
        line = one_line(err)
        assert code == 2 and out == "", (case, force, err)
        assert ("already exists" in line and "--force" in line) if not always else "never writes over" in line \
            or "database CarePlan has open" in line or "open database's" in line, line
        assert folder_digest(db.parent) == before, f"{case} changed a file ({command}, force={force})"
        assert sorted(p.name for p in db.parent.iterdir() if PARTIAL_SUFFIX in p.name) == []
    holder.close()  # the other program lets go: everything committed in the WAL is still there
    assert len(audit_events(db)) == events
    assert run("check", "--db", str(db))[:2] == (0, "ok\n")
    assert run("patients", "--db", str(db))[1].count("DEMO-") == 5


@pytest.mark.parametrize("command", ["export-pdf", "export"])
def test_force_replaces_an_ordinary_file_whole_and_privately(
        clinic: tuple[Path, sqlite3.Connection, str], run: Run, command: str) -> None:
    db, _, mrn = clinic
    target = _write(db.parent / "letter.out", b"a letter")
    os.chmod(target, 0o644)
    code, out, err = run(*_command(command, target, db, mrn, force=True))
    assert code == 0 and err == "" and str(target.name) in out
    assert target.read_bytes().startswith(b"%PDF" if command == "export-pdf" else b"{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # patient data: the owner's only
    event = audit_events(db)[0]
    assert event.details["file"] == "letter.out"  # the name only, never the folder


def test_export_pdf_refuses_an_earlier_printout_without_force(
        clinic: tuple[Path, sqlite3.Connection, str], run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, _, mrn = clinic
    monkeypatch.chdir(tmp_path)
    assert run("export-pdf", mrn, "--db", str(db))[0] == 0
    printed = sorted(tmp_path.glob("careplan-*.pdf"))
    assert len(printed) == 1
    before = printed[0].read_bytes()
    code, _, err = run("export-pdf", mrn, "--db", str(db))
    assert code == 2 and "already exists" in one_line(err) and printed[0].read_bytes() == before
    assert run("export-pdf", mrn, "--db", str(db), "--force")[0] == 0


@pytest.mark.pg
def test_on_postgresql_an_existing_file_and_a_backup_are_refused(pg_url: str, tmp_path: Path, run: Run) -> None:
    assert run("demo", "--patients", "2", "--create", "--db", pg_url)[0] == 0
    mrn = first_mrn(pg_url, run)
    local = tmp_path / "local.sqlite3"
    assert run("demo", "--patients", "1", "--create", "--db", str(local))[0] == 0
    backup = _backup_of(local, tmp_path, run)
    letter = _write(tmp_path / "letter.pdf", b"a letter")
    before = folder_digest(tmp_path)
    for target, force in ((backup, False), (backup, True), (letter, False)):
        for command in ("export-pdf", "export"):
            args = {"export-pdf": ["export-pdf", mrn, "--out", str(target)],
                    "export": ["export", "--out", str(target)]}[command]
            code, _, err = run(*args, "--db", pg_url, *(["--force"] if force else []))
            assert code == 2 and ("never writes over" in one_line(err) or "already exists" in err)
            assert folder_digest(tmp_path) == before


# --- default names ------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s and s.strip()),
                min_size=2, max_size=6, unique=True))
def test_two_mrns_never_share_a_default_file_name(mrns: list[str]) -> None:
    names = [default_pdf_name(m, 3) for m in mrns]
    # Different even to a file system that ignores case (macOS, Windows).
    assert len({n.casefold() for n in names}) == len(mrns), names
    for n in names:
        assert n.startswith("careplan-") and n.endswith("-r3.pdf") and "/" not in n and "\\" not in n


@pytest.mark.parametrize(("a", "b"), [("A/1", "A_1"), ("AB1", "ab1"), ("A 1", "A_1"), ("..", "patient")])
def test_mrns_that_cleaning_would_merge_get_different_names(a: str, b: str) -> None:
    assert default_pdf_name(a, 1).casefold() != default_pdf_name(b, 1).casefold()


# --- leftover temporary copies ------------------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporary_copies_of_killed_commands_are_removed_and_reported(
        clinic: tuple[Path, sqlite3.Connection, str], run: Run) -> None:
    db, _, _ = clinic
    dead, alive = _dead_pid(), os.getpid()
    gone = [_write(db.parent / f".b.sqlite3.{dead}.0badc0de{PARTIAL_SUFFIX}", b"patient data"),
            db.parent / f".careplan.sqlite3.restore-{dead}-x1y2"]
    gone[1].mkdir()
    _write(gone[1] / "restored.sqlite3", b"patient data")
    kept = _write(db.parent / f".b.sqlite3.{alive}.0badc0de{PARTIAL_SUFFIX}", b"still being written")
    assert leftovers(db.parent) == sorted(gone)
    code, out, err = run("patients", "--db", str(db))
    assert code == 0 and "DEMO-" in out
    assert all(not p.exists() for p in gone) and kept.exists()
    reported = err.strip().splitlines()
    assert len(reported) == 2 and all("left in" in line and "interrupted" in line for line in reported)
    assert {line.split("removed ")[1].split(",")[0] for line in reported} == {p.name for p in gone}


def test_a_terminated_backup_leaves_no_copy(clinic: tuple[Path, sqlite3.Connection, str], tmp_path: Path) -> None:
    """SIGTERM (a closed terminal, a shutdown) unwinds the command, so its temporary copy goes with it."""
    db, _, _ = clinic
    out = tmp_path / "out"
    out.mkdir()
    script = ("import os, signal, careplan.atomic_file as a\n"
              "real = a.StagedFile.commit\n"
              "def commit(self):\n"
              "    os.kill(os.getpid(), signal.SIGTERM)\n"
              "a.StagedFile.commit = commit\n"
              "from careplan.cli import main\n"
              f"raise SystemExit(main(['backup', {str(out / 'b.sqlite3')!r}, '--db', {str(db)!r}]))\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 130 and "interrupted" in r.stderr
    assert list(out.iterdir()) == []
