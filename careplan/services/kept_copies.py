"""The whole-database copies CarePlan keeps beside a live SQLite file, and the crash points of a restore.

A restore keeps the database it replaced as NAME.replaced-<UTC time>; an upgrade keeps the file as
it was as NAME.before-<schema>-from-<schema>-<UTC time>.bak. `careplan restore --list` shows them,
and a missing database is refused with their names (cli/db_presence), since one of them is very
likely the data the user is looking for.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

KEPT_COPY_MARKERS = (".replaced-", ".before-")
_COMPANIONS = ("-wal", "-shm", "-journal")
_STAMP = re.compile(r"(\d{8}T\d{6})(\d{6})?Z")


def kept_copies(live: Path) -> list[Path]:
    """The kept copies of `live` in its folder, oldest first (their names carry a UTC stamp)."""
    try:
        found = [p for p in live.parent.iterdir()
                 if p.name.startswith(live.name) and any(m in p.name[len(live.name):] for m in KEPT_COPY_MARKERS)
                 and not p.name.endswith(_COMPANIONS) and p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: (_kept_at(p) or datetime.min.replace(tzinfo=UTC), p.name))


@dataclass(frozen=True)
class KeptCopy:
    path: Path
    kind: str  # "replaced by a restore" or "before an upgrade"
    kept_at: datetime | None  # from the name's UTC stamp
    size: int
    patients: int | None  # None when the file cannot be read as a CarePlan database


def _kept_at(path: Path) -> datetime | None:
    found = _STAMP.search(path.name[path.name.find(".", 1):])
    if not found:
        return None
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def _patients(path: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("SELECT count(*) FROM patients").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def describe_kept(live: Path) -> list[KeptCopy]:
    return [KeptCopy(p, "replaced by a restore" if ".replaced-" in p.name else "before an upgrade",
                     _kept_at(p), p.stat().st_size, _patients(p)) for p in kept_copies(live)]


# The steps of a restore at which a test may stop the process dead (os._exit, no clean-up), to
# prove the live path exists and opens whatever moment a power cut or a kill -9 picks.
RESTORE_STEPS = ("staged", "kept-aside", "companions-moved", "replaced", "recorded")
CRASH_ENV = "CAREPLAN_TEST_CRASH_AT"


def crash_point(step: str) -> None:
    if os.environ.get(CRASH_ENV) == step:
        os._exit(137)


def fsync_path(path: Path) -> None:
    """Force a file's (or a folder's: its names) contents to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
