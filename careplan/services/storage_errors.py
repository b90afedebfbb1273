"""A failed write to the disk as one sentence a coordinator can act on: full, read-only or forbidden.

The operating system says ENOSPC (disk full), EDQUOT (quota), EFBIG (the file may not grow: a file
size limit, or a FAT disk's 4 GB), EROFS (read-only medium or mount), EACCES/EPERM (no permission,
or an immutable folder). SQLite reports the same failures as its own errors ("database or disk is
full", "disk I/O error", "attempt to write a readonly database"), which persistence.db_problems
already tells apart; both end in the same sentences here.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from careplan.persistence import db_problems

FULL = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
READ_ONLY = (errno.EROFS,)
FORBIDDEN = (errno.EACCES, errno.EPERM)


def _full(folder: Path, doing: str, unchanged: str) -> str:
    return (f"There is not enough room on the disk holding {folder} for {doing} (the disk is full, or a "
            f"file there may not grow that large). {unchanged} Free some space and try again.")


def _read_only(folder: Path, doing: str, unchanged: str) -> str:
    return (f"{folder} is on a read-only disk or mount, and {doing} must write there. {unchanged} "
            "Use a database in a folder you can write to.")


def _forbidden(folder: Path, doing: str, unchanged: str) -> str:
    return (f"You may not write in {folder} (no permission), and {doing} must write there. {unchanged} "
            "Ask whoever manages this computer, or use a folder you can write to.")


def explain(error: OSError | sqlite3.Error, folder: Path, *, doing: str, unchanged: str) -> str:
    """One line for `error`, met while `doing` (e.g. "the restore") wrote in `folder`."""
    if isinstance(error, OSError):
        if error.errno in FULL:
            return _full(folder, doing, unchanged)
        if error.errno in READ_ONLY:
            return _read_only(folder, doing, unchanged)
        if error.errno in FORBIDDEN:
            return _forbidden(folder, doing, unchanged)
        where = error.filename or folder
        return f"{doing.capitalize()} stopped: {error.strerror or error} ({where}). {unchanged}"
    found = db_problems.classify(error)
    if found is not None and found[0] is db_problems.Problem.FULL:
        return _full(folder, doing, unchanged)
    if found is not None and found[0] is db_problems.Problem.READ_ONLY:
        return _read_only(folder, doing, unchanged)
    return f"{doing.capitalize()} stopped: {error}. {unchanged}"
