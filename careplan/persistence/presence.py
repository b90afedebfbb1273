"""Who has a SQLite database open: a shared advisory lock on `<database>.lock`, held by every CarePlan
process (app window or command) for as long as it has the database open; restore takes it exclusively.

Why a sidecar file: SQLite's own locks sit on the database file and say nothing once the last
transaction ends, and a restore renames a new file over the old path, so a lock on the database file
itself would stay on the replaced inode. The sidecar never moves and is never deleted (deleting a
lock file lets two processes lock two different files of the same name), so every process that opens
the path meets the same lock. flock locks belong to the open file, so the kernel drops them when a
process dies, however it dies: a killed app never blocks a restore.

Advisory: only CarePlan takes it. Where flock does not exist (Windows) this is a no-op, and restore
falls back on SQLite's own check (the write-ahead log cannot be folded in while a connection is open).
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

from careplan.persistence.errors import DatabaseOpenError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

IN_USE = "CarePlan is open on this database in another window; close it and run restore again."
BEING_RESTORED = ("A restore is putting a backup in place of {name} right now; wait until it has finished "
                  "and open the database again.")
_BUSY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES)
_POLL_S = 0.05


class DatabaseInUseError(DatabaseOpenError):
    """Another CarePlan process has the database open (restore needs it to itself)."""


def lock_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.lock")


def _open(database: Path, *, create: bool) -> int | None:
    """A descriptor on the lock file (created owner-only when `create`), or None if there can be none
    here: a read-only folder or medium without the file, where no restore can happen either."""
    path = lock_path(database)
    try:
        return os.open(path, (os.O_RDWR | os.O_CREAT) if create else os.O_RDWR, 0o600)
    except OSError:
        if create:
            with contextlib.suppress(OSError):
                return os.open(path, os.O_RDONLY)  # flock works on a read-only descriptor too
        return None


class SharedHold:
    """This process's shared lock on one database; released by release() or when the process ends."""

    def __init__(self, database: Path, timeout_s: float) -> None:
        self.database = database
        self._fd: int | None = None
        self.acquire(timeout_s)

    def acquire(self, timeout_s: float = 0.0) -> None:
        if fcntl is None or self._fd is not None:
            return
        fd = _open(self.database, create=True)
        if fd is None:
            return
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                self._fd = fd
                return
            except OSError as e:
                if e.errno not in _BUSY or time.monotonic() >= deadline:
                    os.close(fd)
                    if e.errno in _BUSY:
                        raise DatabaseInUseError(BEING_RESTORED.format(name=self.database.name)) from None
                    return  # a file system without locks: nothing to hold
                time.sleep(_POLL_S)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


@contextlib.contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold `database` to ourselves, or DatabaseInUseError at once if any CarePlan has it open."""
    if fcntl is None:
        yield
        return
    fd = _open(database, create=True)
    if fd is None:  # cannot even create the lock file: the folder is read-only; let the restore say so
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in _BUSY:
                raise DatabaseInUseError(IN_USE) from None
            # a file system without flock: SQLite's own check still stands
        yield
    finally:
        os.close(fd)
