"""Where a command may write its file: one set of refusals for every writer, CLI and GUI alike.

The printout, the export, the backup and anything added later ask check_target first and then
write through stage() (careplan.atomic_file): a private temporary file beside the target, renamed
into place only once it is complete. A target is refused, whatever --force says, when it is the
open database or one of its -wal/-shm/-journal files, or any SQLite database (a CarePlan database
or a backup of one), or looks like a backup by its name; an existing file of any other kind is
replaced only with force=True (the GUI asks first). Nothing is written until the checks pass.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from careplan import atomic_file
from careplan.atomic_file import StagedFile
from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import OUR_TABLES, SQLITE_HEADER, Database

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal", ".lock")  # .lock: persistence.presence
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
_JOURNAL_MAGIC = b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7"
# The names CarePlan gives its own copies of a database: upgrade backups and restore's kept-aside file.
_BACKUP_NAME = re.compile(r"\.before-.*\.bak$|\.replaced-\d{8}T\d{6}Z(-\d+)?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class OutputRefusedError(CarePlanError):
    """The target may not be written; nothing was written and nothing was changed."""


class OutputExistsError(OutputRefusedError):
    """The target is an ordinary existing file: it is replaced only when the user says so (--force)."""


def safe_file_part(text: str, fallback: str) -> str:
    """`text` as part of a file name; a short hash of the exact text is added whenever cleaning
    changed it or it has lowercase letters, so two different texts never make the same name (A/1
    and A_1; or A1 and a1, which a file system that ignores case takes for one name)."""
    exact = text.strip()
    safe = _UNSAFE.sub("_", exact).strip("._") or fallback
    if safe != exact or safe.upper() != safe:
        safe = f"{safe}-{hashlib.sha256(exact.encode('utf-8')).hexdigest()[:8]}"
    return safe


def _read_start(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(16)
    except OSError:
        return b""


def _sqlite_kind(path: Path) -> str | None:
    """'a CarePlan database' / 'an SQLite database' / 'a database journal', or None for any other file."""
    start = _read_start(path)
    if start.startswith(_WAL_MAGIC) or start.startswith(_JOURNAL_MAGIC):
        return "a database's journal"
    if start != SQLITE_HEADER:
        return None
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return "a database (CarePlan could not read it)"
    return "a CarePlan database or backup" if tables >= OUR_TABLES else "an SQLite database"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _companion_of(target: Path) -> Path | None:
    """The database whose -wal, -shm or -journal file `target` would be, if that database exists."""
    for suffix in SQLITE_COMPANIONS:
        if target.name.endswith(suffix) and len(target.name) > len(suffix):
            base = target.with_name(target.name[: -len(suffix)])
            if base.exists() and _read_start(base) == SQLITE_HEADER:
                return base
    return None


def check_target(target: Path, *, what: str, db: Database | None, force: bool = False,
                 replaceable: Callable[[Path], bool] | None = None) -> Path:
    """The absolute path to write `what` (e.g. "the printout") to, or OutputRefusedError saying why not.

    `replaceable` names existing files this command may replace without force (an earlier export).
    """
    target = target.expanduser().absolute()
    nothing = f"Nothing was written and {target.name} was not changed." if target.exists() else "Nothing was written."
    if target.is_dir():
        raise OutputRefusedError(f"Cannot save {what} as {target}: that is a folder. Give a file name.")
    if not target.parent.is_dir():
        raise OutputRefusedError(f"Cannot save {what} to {target}: the folder {target.parent} does not exist. "
                                 "Nothing was written.")
    live = db.path if db is not None else None
    if live is not None:
        if _same_file(target, live):
            raise OutputRefusedError(f"{target} is the database CarePlan has open; writing {what} there would "
                                     f"destroy every patient's record. Choose another file name. {nothing}")
        for suffix in SQLITE_COMPANIONS:
            if _same_file(target, Path(f"{live}{suffix}")):
                raise OutputRefusedError(f"{target} is the open database's {suffix[1:]} file; writing {what} "
                                         f"there would lose saved work. Choose another file name. {nothing}")
    base = _companion_of(target)
    if base is not None:
        raise OutputRefusedError(f"{target} belongs to the database {base.name} (it is its "
                                 f"{target.name[len(base.name) + 1:]} file); CarePlan never writes over a "
                                 f"database. Choose another file name. {nothing}")
    if target.exists():
        kind = _sqlite_kind(target)
        if kind is None and _BACKUP_NAME.search(target.name):
            kind = "a CarePlan backup (by its name)"
        if kind is not None:
            raise OutputRefusedError(f"{target} is {kind}; CarePlan never writes over a database, even with "
                                     f"--force. Choose another file name. {nothing}")
        if not force and not (replaceable is not None and replaceable(target)):
            raise OutputExistsError(f"{target} already exists; choose another name, or add --force to replace "
                                    f"it. {nothing}")
    return target


@contextmanager
def stage(target: Path, what: str) -> Iterator[StagedFile]:
    """The temporary file beside a checked target; removed unless committed. Also removes the
    temporary copies killed commands left in that folder."""
    atomic_file.sweep_leftovers(target.parent)
    try:
        with atomic_file.staged(target) as staged:
            yield staged
            if staged.committed and not target.is_file():  # never report a file that is not there
                raise OutputRefusedError(f"{what.capitalize()} was not saved: {target} is missing after writing it.")
    except OSError as e:
        raise OutputRefusedError(f"Cannot save {what} to {target}: {e.strerror or e}. Check that there is space "
                                 f"on the disk and that you may write in {target.parent}. Nothing was written.") from None


def commit_logged(staged: StagedFile, db: Database, record: Callable[[Session], object]) -> None:
    """Rename the file into place inside the transaction that logs it: a file exists exactly when the
    audit log records it (a failed rename rolls the event back; a failed commit removes the file)."""
    try:
        with db.transaction() as s:
            record(s)
            staged.commit()
    except BaseException:
        if staged.committed:
            staged.target.unlink(missing_ok=True)
        raise
