"""Backing up and restoring the SQLite database file.

A backup is a consistent copy made with SQLite's online backup API, so CarePlan may stay open
meanwhile. A restore never merges: the backup replaces the live file, the live file is kept
aside under a new name, and the restore refuses (unless forced) when the live database holds
revisions the backup lacks. PostgreSQL servers are backed up by their administrator.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from careplan.domain.errors import CarePlanError
from careplan.persistence import presence, schema
from careplan.persistence.engine import Database, busy_timeout_ms, open_database, probe_sqlite_file
from careplan.persistence.errors import DatabaseOpenError, ForeignDatabaseError
from careplan.persistence.migrate import sqlite_backup
from careplan.persistence.models import PatientRow, PlanRevisionRow
from careplan.services import audit, storage_errors
from careplan.services.check import check_database, seal_beside
from careplan.services.clock import utcnow
from careplan.services.kept_copies import crash_point, fsync_path
from careplan.services.output_target import check_target, commit_logged, stage

SERVER_BACKUP = (
    "This database lives on a PostgreSQL server. Its backups are made on the server by its administrator "
    "(pg_dump, or the server's own backup system); CarePlan does not copy a server. To keep your own copy of "
    "the plans, use `careplan export --out FILE.json`."
)
SERVER_RESTORE = (
    "This database lives on a PostgreSQL server; restoring it is done on the server by its administrator "
    "(pg_restore). To bring plans from a CarePlan export into it, use `careplan import FILE.json`."
)
# What the live database holds that the staged backup lacks, counted by SQLite itself (EXCEPT
# sorts in its own temporary storage), so a restore's memory does not grow with the history.
_HISTORY = ("SELECT p.mrn, r.number, r.content_hash FROM {db}.plan_revisions r "
            "JOIN {db}.plans pl ON pl.id = r.plan_id JOIN {db}.patients p ON p.id = pl.patient_id")
LOST_REVISIONS_QUERY = (f"SELECT count(*), count(DISTINCT mrn) FROM ({_HISTORY.format(db='main')} "
                        f"EXCEPT {_HISTORY.format(db='staged')})")
LOST_PATIENTS_QUERY = "SELECT count(*) FROM (SELECT mrn FROM main.patients EXCEPT SELECT mrn FROM staged.patients)"
_ASSESSMENTS = ("SELECT p.mrn, a.recorded_at, a.assessed_on, a.author FROM {db}.assessments a "
                "JOIN {db}.patients p ON p.id = a.patient_id")
LOST_ASSESSMENTS_QUERY = (f"SELECT count(*) FROM ({_ASSESSMENTS.format(db='main')} "
                          f"EXCEPT {_ASSESSMENTS.format(db='staged')})")


class RestoreRefusedError(CarePlanError):
    """Restoring would take saved work out of the live database; nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    patients: int
    revisions: int


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    source: Path
    kept_aside: Path | None
    schema_from: str
    patients: int
    revisions: int
    revisions_not_in_backup: int
    patients_affected: int

    @property
    def upgraded(self) -> bool:
        return self.schema_from != schema.HEAD


def _stamp() -> str:
    return utcnow().strftime("%Y%m%dT%H%M%SZ")


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=busy_timeout_ms() / 1000)


def _counts(conn: sqlite3.Connection) -> tuple[int, int]:
    patients = conn.execute("SELECT count(*) FROM patients").fetchone()[0]
    revisions = conn.execute("SELECT count(*) FROM plan_revisions").fetchone()[0]
    return int(patients), int(revisions)


def _single_file(path: Path) -> None:
    """Fold any write-ahead log into the file, so it can be copied or renamed on its own."""
    conn = sqlite3.connect(path, timeout=busy_timeout_ms() / 1000)
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError as e:
        raise CarePlanError(f"{path} is in use ({e}); close CarePlan everywhere it is open and try again.") from None
    finally:
        conn.close()
    if str(mode).lower() != "delete":
        raise CarePlanError(f"{path} is open in CarePlan or another program; close it everywhere and try again. "
                            "Nothing was changed.")


# --- backup ----------------------------------------------------------------------------------

def backup_database(db: Database, dest: Path, *, actor: str, force: bool = False) -> BackupResult:
    """Copy the live database to `dest` (0600), even while CarePlan is open.

    `dest` is checked like every output (services.output_target): never the live database, its
    journal files or another database or backup, an existing file only with force=True.
    """
    if not db.is_sqlite or db.path is None:
        raise CarePlanError(SERVER_BACKUP)
    dest = check_target(dest, what="the backup", db=db, force=force)
    with stage(dest, "the backup") as staged:
        staged.file.close()  # SQLite fills it through its path
        try:
            sqlite_backup(db.path, staged.path, exclusive=False)
            _single_file(staged.path)
            conn = _connect_ro(staged.path)
            try:
                if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise CarePlanError("The copy did not pass SQLite's check; no backup was made. "
                                        "Run `careplan check`.")
                patients, revisions = _counts(conn)
            finally:
                conn.close()
        except sqlite3.Error as e:
            raise CarePlanError(f"The backup could not be made: {e}. Nothing was written to {dest}.") from None
        size = staged.path.stat().st_size
        check_target(dest, what="the backup", db=db, force=force)
        commit_logged(staged, db, lambda s: audit.record(
            s, actor, "database.backup", entity="database", entity_key=dest.name,
            details={"file": dest.name, "patients": patients, "revisions": revisions, "bytes": size}))
        seal_beside(dest)  # BACKUP.seal.json: what this backup held, for `careplan check --against`
    return BackupResult(dest, size, patients, revisions)


# --- restore ---------------------------------------------------------------------------------

def _check_backup(source: Path) -> str:
    """The backup's schema version, after proving it is a whole CarePlan database."""
    if not source.exists():
        raise CarePlanError(f"There is no file at {source}; nothing was restored.")
    try:
        version = probe_sqlite_file(source)
    except DatabaseOpenError as e:
        raise CarePlanError(f"Nothing was restored: {e}") from None
    if version is None:
        raise CarePlanError(f"{source} is an empty database, not a CarePlan backup; nothing was restored.")
    conn = _connect_ro(source)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as e:
        rows = [str(e)]
    finally:
        conn.close()
    if rows != ["ok"]:
        raise CarePlanError(f"{source} is damaged ({'; '.join(rows[:3])}); nothing was restored.")
    return version


@dataclass(frozen=True)
class _Staged:
    path: Path
    patients: int
    revisions: int


@dataclass(frozen=True)
class _Lost:
    revisions: int  # live revisions the backup does not have
    patients_affected: int  # patients those revisions belong to
    patients: int  # live patients the backup does not have at all
    assessments: int = 0  # live assessments of the ALS course the backup does not have


def _compare(live: Path, staged: Path) -> _Lost:
    conn = _connect_ro(live)
    try:
        conn.execute("ATTACH DATABASE ? AS staged", (f"{staged.as_uri()}?mode=ro",))
        revisions, affected = conn.execute(LOST_REVISIONS_QUERY).fetchone()
        patients = conn.execute(LOST_PATIENTS_QUERY).fetchone()[0]
        # A live file from before migration 0005 has no assessments to lose (the staged copy is upgraded).
        has_course = conn.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'assessments'").fetchone()
        assessments = conn.execute(LOST_ASSESSMENTS_QUERY).fetchone()[0] if has_course else 0
        return _Lost(int(revisions), int(affected), int(patients), int(assessments))
    finally:
        conn.close()


def _stage(source: Path, folder: Path) -> _Staged:
    """A checked, upgraded copy of the backup next to the live file, ready to be renamed into place."""
    staged = folder / "restored.sqlite3"
    sqlite_backup(source, staged)
    try:
        db = open_database(str(staged), backup_before_upgrade=False)  # upgrades an older schema
    except DatabaseOpenError as e:
        raise CarePlanError(f"The backup could not be opened: {e} Nothing was restored.") from None
    try:
        report = check_database(db)
        if not report.ok:
            raise CarePlanError("The backup fails CarePlan's check, so nothing was restored:\n  "
                                + "\n  ".join(report.problems[:10]))
        with db.reading() as s:
            patients = int(s.scalar(select(func.count()).select_from(PatientRow)) or 0)
            revisions = int(s.scalar(select(func.count()).select_from(PlanRevisionRow)) or 0)
    finally:
        db.dispose()
    _single_file(staged)
    return _Staged(staged, patients, revisions)


def _live_version(live: Path) -> str | None:
    try:
        return probe_sqlite_file(live)
    except ForeignDatabaseError as e:
        raise CarePlanError(f"{e} Point --db at the CarePlan database to restore into.") from None
    except DatabaseOpenError:
        return "unreadable"  # damaged, newer or locked: _would_lose decides what that means


def _would_lose(live: Path, staged: _Staged, force: bool) -> _Lost:
    """What the live database holds that the backup lacks; refuses unless forced."""
    try:
        lost = _compare(live, staged.path)
    except sqlite3.DatabaseError as e:
        if force:
            return _Lost(0, 0, 0)
        raise RestoreRefusedError(
            f"The current database {live} cannot be read ({e}), so CarePlan cannot tell what the backup would "
            "replace. Nothing was changed. Add --force to restore anyway: the current file is kept aside, not deleted."
        ) from None
    if (lost.revisions or lost.patients or lost.assessments) and not force:
        raise RestoreRefusedError(_refusal(lost))
    return lost


def _kept_name(live: Path) -> Path:
    kept = live.with_name(f"{live.name}.replaced-{_stamp()}")
    n = 1
    while kept.exists():
        n += 1
        kept = live.with_name(f"{live.name}.replaced-{_stamp()}-{n}")
    return kept


def _keep_aside(live: Path) -> Path:
    """A second name for the live file (a hard link; a synced copy where links are not possible), so
    the live path itself stays in place until the restored file is renamed over it."""
    kept = _kept_name(live)
    try:
        os.link(live, kept)
    except OSError:  # a file system without hard links (FAT, some network shares)
        shutil.copy2(live, kept)
        fsync_path(kept)
    os.chmod(kept, 0o600)
    fsync_path(live.parent)
    crash_point("kept-aside")
    # A damaged file may still have its journal beside it: it belongs to the kept file now, and
    # SQLite must never apply it to the restored file.
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(f"{live}{suffix}")
        if companion.exists():
            os.replace(companion, Path(f"{kept}{suffix}"))
    fsync_path(live.parent)
    crash_point("companions-moved")
    return kept


def restore_database(live: Path, source: Path, *, actor: str, force: bool = False) -> RestoreResult:
    """Put the backup `source` in place of the SQLite database at `live`.

    The checked copy is made and synced beside the live file, the live file gets a second name
    (kept aside) and the copy is renamed over it in one step: at no moment is the live path missing.
    """
    live, source = live.expanduser().absolute(), source.expanduser().absolute()
    if live.exists() and _same(live, source):
        raise CarePlanError(f"{source} is the live database itself; give the backup file to restore from.")
    version = _check_backup(source)
    unchanged = "The current database was not changed."
    try:
        live.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Every CarePlan that has this database open holds a shared lock on it (persistence.presence):
        # the exclusive one fails at once while another window or command has it open.
        with presence.exclusive(live):
            result = _swap(live, source, version, force)
    except (OSError, sqlite3.Error) as e:
        raise CarePlanError(storage_errors.explain(e, live.parent, doing="the restore", unchanged=unchanged)) from None
    _record_restore(result, actor, force)  # after the exclusive lock is gone: it opens the database
    crash_point("recorded")
    return result


def _swap(live: Path, source: Path, version: str, force: bool) -> RestoreResult:
    """Stage the checked copy beside `live` and rename it over `live` in one step."""
    # The process id in the name lets the next run remove it if this one is killed (atomic_file).
    folder = Path(tempfile.mkdtemp(prefix=f".{live.name}.restore-{os.getpid()}-", dir=live.parent))
    try:
        staged = _stage(source, folder)
        fsync_path(staged.path)
        crash_point("staged")
        lost = _Lost(0, 0, 0)
        kept = None
        if live.exists() and _live_version(live) is not None:
            _would_lose(live, staged, force)  # first look, leaving the live file untouched
            # From here on nobody else has it open and its write-ahead log is folded in. A damaged
            # file cannot be switched: the first look already asked for --force.
            with contextlib.suppress(sqlite3.DatabaseError):
                _single_file(live)
            lost = _would_lose(live, staged, force)  # again: someone may have saved meanwhile
        if live.exists():
            kept = _keep_aside(live)
        os.chmod(staged.path, 0o600)
        os.replace(staged.path, live)  # the one step: the old file or the restored one, never none
        fsync_path(live.parent)
        crash_point("replaced")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return RestoreResult(live, source, kept, version, staged.patients, staged.revisions, lost.revisions,
                         lost.patients_affected)


def _refusal(lost: _Lost) -> str:
    parts = []
    if lost.revisions:
        people = lost.patients_affected
        parts.append(f"{lost.revisions} plan revision{'s' if lost.revisions != 1 else ''} "
                     f"(for {people} patient{'s' if people != 1 else ''})")
    if lost.assessments:
        parts.append(f"{lost.assessments} assessment{'s' if lost.assessments != 1 else ''} of the ALS course")
    if lost.patients:
        parts.append(f"the records of {lost.patients} patient{'s' if lost.patients != 1 else ''}")
    return (
        f"The current database holds {' and '.join(parts)} that this backup does not have. Restoring would take them "
        "out of the live database (they would stay only in the file kept aside). Nothing was changed. To keep them, "
        "export them first with `careplan export`; to restore anyway, add --force."
    )


def _record_restore(result: RestoreResult, actor: str, forced: bool) -> None:
    # Recorded in the restored database, after the swap: that is the log the clinic sees from now on.
    db = open_database(str(result.database))
    try:
        with db.transaction() as s:
            # File names only, never folders: folder names often carry a user's or a patient's name.
            audit.record(s, actor, "database.restored", entity="database", entity_key=result.source.name, details={
                "file": result.source.name,
                "kept_aside": result.kept_aside.name if result.kept_aside else None,
                "schema_from": result.schema_from,
                "forced": forced,
                "revisions_not_in_backup": result.revisions_not_in_backup,
            })
    finally:
        db.dispose()


def describe_restore(result: RestoreResult) -> list[str]:
    lines = [f"Restored {result.database} from {result.source}: {result.patients} patients, "
             f"{result.revisions} plan revisions."]
    if result.upgraded:
        lines.append(f"The backup was made by an older CarePlan (schema {result.schema_from}) and was brought up to date.")
    if result.kept_aside:
        lines.append(f"The database that was in place is kept at {result.kept_aside}; "
                     "delete it only once you are sure nothing in it is needed.")
    if result.revisions_not_in_backup:
        lines.append(f"{result.revisions_not_in_backup} revisions (for {result.patients_affected} patients) "
                     "are now only in that kept-aside file.")
    return lines
