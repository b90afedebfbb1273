"""A database another program locks, on read-only media, on a full disk, or damaged; malformed
arguments and addresses: every command answers in one line (`careplan: ...`), exit status 2, and
leaves the database, its WAL and every other file byte for byte as they were."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from careplan.cli import main
from tests.history_fixtures import file_digest
from tests.test_output_targets import Run, first_mrn, folder_digest, one_line

CAREPLAN = [sys.executable, "-m", "careplan"]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def go(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err
    return go


@pytest.fixture
def made(tmp_path: Path, run: Run) -> tuple[Path, Path, str]:
    """A closed demo database in its own folder, and an export of it in another."""
    (tmp_path / "clinic").mkdir()
    (tmp_path / "out").mkdir()
    db = tmp_path / "clinic" / "careplan.sqlite3"
    assert run("demo", "--patients", "3", "--create", "--db", str(db))[0] == 0
    export = tmp_path / "export.json"
    assert run("export", "--out", str(export), "--db", str(db))[0] == 0
    return db, export, first_mrn(str(db), run)


def writers(out: Path, export: Path, mrn: str) -> dict[str, list[str]]:
    """Every command that writes to the database (or a file), by name."""
    return {
        "export": ["export", "--out", str(out / "x.json")],
        "import": ["import", str(export)],
        "backup": ["backup", str(out / "b.sqlite3")],
        "export-pdf": ["export-pdf", mrn, "--out", str(out / "p.pdf")],
        "demo": ["demo", "--patients", "1", "--seed", "7"],
    }


# --- another program holds the lock ---------------------------------------------------------------

@pytest.fixture
def quick_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREPLAN_BUSY_TIMEOUT_MS", "300")


@pytest.mark.parametrize("command", ["export", "import", "backup", "export-pdf", "demo"])
def test_a_lock_held_by_another_program_is_one_line(
        made: tuple[Path, Path, str], run: Run, quick_timeout: None, command: str) -> None:
    db, export, mrn = made
    out = db.parent.parent / "out"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what another program's long write looks like to us
    before = file_digest(db)
    try:
        code, stdout, err = run(*writers(out, export, mrn)[command], "--db", str(db))
    finally:
        holder.rollback()
        holder.close()
    assert code == 2 and stdout == ""
    assert "is locked by another program" in one_line(err) and "Nothing was changed" in err
    assert file_digest(db) == before and list(out.iterdir()) == []


@pytest.mark.pg
@pytest.mark.parametrize("command", ["export", "import", "export-pdf", "demo"])
def test_a_lock_held_on_the_server_is_one_line(
        pg_url: str, tmp_path: Path, run: Run, quick_timeout: None, command: str) -> None:
    assert run("demo", "--patients", "2", "--create", "--db", pg_url)[0] == 0
    export = tmp_path / "export.json"
    local = tmp_path / "local.sqlite3"
    assert run("demo", "--patients", "1", "--seed", "9", "--create", "--db", str(local))[0] == 0
    assert run("export", "--out", str(export), "--db", str(local))[0] == 0
    out = tmp_path / "out"
    out.mkdir()
    other = create_engine(pg_url)
    try:
        with other.connect() as conn:
            conn.execute(text("LOCK TABLE audit_events IN SHARE MODE"))  # every command's audit event waits
            code, stdout, err = run(*writers(out, export, first_mrn(pg_url, run))[command], "--db", pg_url)
            conn.rollback()
    finally:
        other.dispose()
    assert code == 2 and stdout == "" and "is locked by another program" in one_line(err)
    assert list(out.iterdir()) == []


# --- read-only media ------------------------------------------------------------------------------

def _read_only_mount_works(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    r = subprocess.run(["unshare", "-rm", "sh", "-c", 'mount --bind -o ro "$0" "$0" && ! touch "$0/x"', str(probe)],
                       capture_output=True, timeout=30) if shutil.which("unshare") else None
    return r is not None and r.returncode == 0


def on_read_only_media(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run careplan with `folder` mounted read-only, as a CD or a locked USB stick would be."""
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, str(folder), *CAREPLAN, *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("journal", ["rollback journal (as backup writes it)", "write-ahead log"])
def test_a_database_on_read_only_media_reads_and_checks_but_writes_nothing(
        made: tuple[Path, Path, str], tmp_path: Path, run: Run, journal: str) -> None:
    if not _read_only_mount_works(tmp_path):
        pytest.skip("this machine cannot mount a folder read-only without privileges (unshare -rm)")
    db, export, mrn = made
    media = tmp_path / "media"
    media.mkdir()
    if journal.startswith("rollback"):
        copy = media / "backup.sqlite3"
        assert run("backup", str(copy), "--db", str(db))[0] == 0
    else:
        copy = media / "careplan.sqlite3"  # a WAL-mode file, closed cleanly
        source, target = sqlite3.connect(db), sqlite3.connect(copy)
        source.backup(target)
        assert target.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        target.close()
        source.close()
    before = folder_digest(media)
    out = tmp_path / "out"
    for args in (["patients"], ["history", mrn], ["catalogue"]):
        r = on_read_only_media(media, *args, "--db", str(copy))
        assert r.returncode == 0 and r.stderr == "" and r.stdout, (args, r.stderr)
    r = on_read_only_media(media, "check", "--db", str(copy))
    assert (r.returncode, r.stdout, r.stderr) == (0, "ok\n", "")
    for name, args in writers(out, export, mrn).items():
        r = on_read_only_media(media, *args, "--db", str(copy))
        assert r.returncode == 2 and "Traceback" not in r.stderr, (name, r.stderr)
        assert "read-only" in one_line(r.stderr), (name, r.stderr)
    assert folder_digest(media) == before and list(out.iterdir()) == []


# --- a full disk ----------------------------------------------------------------------------------

def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # in the child: writes past `limit` bytes fail (EFBIG) instead of killing it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_filling_during_import_saves_nothing(made: tuple[Path, Path, str], tmp_path: Path, run: Run) -> None:
    db, _, _ = made
    big = tmp_path / "big.sqlite3"
    assert run("demo", "--patients", "40", "--seed", "5", "--create", "--db", str(big))[0] == 0
    export = tmp_path / "big.json"
    assert run("export", "--out", str(export), "--db", str(big))[0] == 0
    r = subprocess.run([*CAREPLAN, "import", str(export), "--create", "--db", str(db)], capture_output=True, text=True,
                       timeout=120, preexec_fn=_file_size_limit(db.stat().st_size + 40_000))
    assert r.returncode == 2 and r.stdout == ""
    assert "is full" in one_line(r.stderr) and "nothing of it was saved" in r.stderr
    # What a failed write left in the WAL is never committed: the same 3 patients, and check passes.
    assert run("check", "--db", str(db))[:2] == (0, "ok\n")
    assert run("patients", "--json", "--db", str(db))[1].count('"mrn"') == 3


@pytest.mark.parametrize("command", ["export", "export-pdf"])
def test_a_disk_filling_while_writing_a_file_leaves_no_file(
        made: tuple[Path, Path, str], tmp_path: Path, command: str) -> None:
    db, export, mrn = made
    out = tmp_path / "out"
    args = writers(out, export, mrn)[command]
    r = subprocess.run([*CAREPLAN, *args, "--db", str(db)], capture_output=True, text=True, timeout=120,
                       preexec_fn=_file_size_limit(40_000))  # room for the WAL's index, not the file
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "space on the disk" in one_line(r.stderr) or "is full" in r.stderr
    assert list(out.iterdir()) == []  # neither the file nor its temporary copy


# --- a damaged file -------------------------------------------------------------------------------

def _overwrite_second_half(db: Path) -> None:
    with open(db, "r+b") as f:
        start = db.stat().st_size // 2 // 4096 * 4096
        f.seek(start)
        f.write(b"\xff" * (db.stat().st_size - start))


def _cut_in_half(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 2 // 4096 * 4096)


def _drop_revision_items(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE revision_items")
    conn.commit()
    conn.close()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "overwritten": _overwrite_second_half, "cut short": _cut_in_half, "a table dropped": _drop_revision_items}


@pytest.fixture(params=list(DAMAGE))
def damaged(request: pytest.FixtureRequest, made: tuple[Path, Path, str]) -> Iterator[tuple[Path, Path, str]]:
    db, export, mrn = made
    DAMAGE[request.param](db)
    yield db, export, mrn


def test_every_command_refuses_a_damaged_file_the_same_way(damaged: tuple[Path, Path, str], run: Run) -> None:
    db, export, mrn = damaged
    out = db.parent.parent / "out"
    before = folder_digest(db.parent)
    sentences = set()
    for args in [["patients"], ["history", mrn], ["catalogue"], *writers(out, export, mrn).values()]:
        code, stdout, err = run(*args, "--db", str(db))
        assert code == 2 and stdout == "", (args, err)
        sentences.add(one_line(err))
    assert len(sentences) == 1 and "is damaged" in sentences.pop()
    code, stdout, err = run("check", "--db", str(db))  # check reports it as what it found
    # A file SQLite cannot read is "damaged"; a dropped table is named as missing (check can say more).
    assert code == 1 and ("is damaged" in stdout or "Table revision_items is missing" in stdout), stdout
    assert "Traceback" not in err
    assert json.loads(run("check", "--json", "--db", str(db))[1])["ok"] is False
    after = folder_digest(db.parent)
    assert {name: after[name] for name in before} == before and list(out.iterdir()) == []
    # Reading a WAL-mode file, even read-only, makes SQLite create its (empty) -wal and -shm files.
    assert all(name.endswith(("-wal", "-shm")) for name in set(after) - set(before))
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_the_app_refuses_a_damaged_file_with_the_same_sentence(
        made: tuple[Path, Path, str], run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    db, _, _ = made
    _overwrite_second_half(db)
    shown: list[str] = []
    monkeypatch.setattr("careplan.ui.app.show_startup_error", shown.append)
    assert main(["--db", str(db)]) == 2
    code, _, err = run("patients", "--db", str(db))
    assert len(shown) == 1 and f"careplan: {shown[0]}" == one_line(err)


# --- malformed arguments and addresses ------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    (["patients", "--search"], "expected one argument"),
    (["patients", "--bogus"], "unrecognized arguments"),
    (["export-pdf"], "required: MRN"),
    (["demo", "--patients", "many"], "invalid int value"),
    (["export-pdf", "X", "--paper", "a3"], "invalid choice"),
])
def test_malformed_arguments_are_one_line(args: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2 and expected in one_line(capsys.readouterr().err)


def test_a_search_for_two_dashes_is_a_search(made: tuple[Path, Path, str], run: Run) -> None:
    db, _, _ = made
    assert run("patients", "--search=--", "--db", str(db)) == (0, "", "")
    assert run("patients", "--search=-", "--json", "--db", str(db))[1].count('"mrn"') == 3  # DEMO-1-...


@pytest.mark.parametrize("url", ["sqlite://user:pw@host/x.sqlite3", "sqlite://user:pw@/x.sqlite3",
                                 "sqlite://host:5432/x.sqlite3"])
def test_an_sqlite_address_with_a_login_creates_nothing(
        url: str, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPLAN_DB_URL", url)  # from the environment, so no password rule applies
    code, _, err = run("patients")
    assert code == 2 and "an SQLite file does not have" in one_line(err) and "pw" not in err
    assert list(tmp_path.iterdir()) == [tmp_path / "userdata"] or list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["postgresql+psycopg://clinic:s3cret@127.0.0.1:1/careplan",
                                 "postgresql://clinic:s3cret@/careplan?host=/tmp",
                                 "postgresql+psycopg://clinic@127.0.0.1:1/careplan?password=s3cret",
                                 "sqlite://u:s3cret@/x.sqlite3"])
def test_a_password_in_db_is_refused_before_connecting(url: str, run: Run) -> None:
    code, _, err = run("patients", "--db", url)
    line = one_line(err)
    assert code == 2 and "s3cret" not in err
    assert "CAREPLAN_DB_URL" in line and "service file" in line and ".pgpass" in line
    assert "Cannot reach" not in line  # refused before any connection was tried


@pytest.mark.pg
def test_a_password_in_the_environment_is_allowed(pg_url: str, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    with_password = pg_url.replace("://careplan@", "://careplan:anything@")  # the test server trusts loopback
    assert with_password != pg_url
    monkeypatch.setenv("CAREPLAN_DB_URL", with_password)
    assert run("check")[:2] == (0, "ok\n")
