"""How to open an SQLite file safely: read-only media, and damage found before any command runs.

Read-only: a backup on a CD, a USB stick with its lock switch on, or a folder the user may not write
to. SQLite then cannot switch the file to WAL or make its -shm file, so such a file is opened
read-only (and, when its folder is read-only too, as immutable: nobody can change it meanwhile);
reading and `careplan check` work, writing says the file is read-only.

Damage: `PRAGMA quick_check` reads every page (92 s for the 10,000-patient bench database), far too
slow for every start. Opening instead checks what a damaged file almost always shows cheaply: the
header's page count against the file's size (a truncated copy), a readable schema with every table
CarePlan made, and both edges of every table's b-tree (first and last rows), a few pages each:
0.3 ms warm, 9 ms cold on the bench database.
Damage deeper inside is still caught where it is read, by the same sentence (db_problems).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from careplan.persistence import db_problems

# Every table migration 0001 created: a CarePlan database without one of them is damaged.
CAREPLAN_TABLES = ("patients", "caregivers", "care_team_members", "catalogue_items", "plans", "plan_revisions",
                   "revision_items", "audit_events", "plan_drafts")
_COMPANIONS = ("-wal", "-shm", "-journal")


class DamagedFileError(Exception):
    """The file is damaged; the message is SQLite's (or our) short description of what was found."""


def _writable(path: Path) -> bool:
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return False
    except (OSError, AttributeError):  # no statvfs on Windows
        pass
    return os.access(path, os.W_OK)


def is_read_only(path: Path) -> bool:
    """True when the file, or the folder its journal files would go in, cannot be written."""
    return not _writable(path) or not _writable(path.parent)


def connect_uri(path: Path) -> tuple[str, bool]:
    """The URI to open `path` with, and whether that is read-only."""
    if not is_read_only(path):
        return path.as_uri(), False
    wal = Path(f"{path}-wal")
    # immutable: no locks, no -shm; right for read-only media, where nobody can write meanwhile.
    # A write-ahead log with data in it would be ignored that way, so then plain read-only.
    immutable = _writable(path.parent) is False and not (wal.exists() and wal.stat().st_size > 0)
    return f"{path.as_uri()}?mode=ro{'&immutable=1' if immutable else ''}", True


def read_only_connect(path: Path, timeout: float) -> sqlite3.Connection:
    uri, read_only = connect_uri(path)
    if not read_only:
        uri = f"{uri}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout)


def _truncated(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            header = f.read(100)
        size = path.stat().st_size
    except OSError:
        return None
    if len(header) < 100:
        return "the file is shorter than its header"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages, counter, valid_for = (int.from_bytes(header[i:i + 4], "big") for i in (28, 24, 92))
    wal = Path(f"{path}-wal")
    if page_size < 512 or page_size & (page_size - 1):
        return "its header names an impossible page size"
    if pages and counter == valid_for and size < pages * page_size and not (wal.exists() and wal.stat().st_size):
        return f"the file is cut short: its header counts {pages} pages, the file holds {size // page_size}"
    return None


def check_whole(conn: sqlite3.Connection, path: Path, tables: set[str], version: str | None) -> None:
    """Raise DamagedFileError when the cheap signs of damage show (see the module's docstring)."""
    cut = _truncated(path)
    if cut:
        raise DamagedFileError(cut)
    if version is not None:
        missing = [t for t in CAREPLAN_TABLES if t not in tables]
        if missing:
            raise DamagedFileError(f"the table{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                                   f"{'are' if len(missing) > 1 else 'is'} missing")
    try:
        for table in sorted(t for t in tables if t in CAREPLAN_TABLES):
            # One edge per query: SQLite walks a single edge for ORDER BY rowid LIMIT 1, but scans
            # the whole table for min() and max() asked together.
            for edge in ("ASC", "DESC"):
                conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid {edge} LIMIT 1').fetchone()  # noqa: S608
    except sqlite3.DatabaseError as e:
        found = db_problems.classify(e)
        if found is None or found[0] is not db_problems.Problem.DAMAGED:
            raise
        raise DamagedFileError(found[1]) from None
