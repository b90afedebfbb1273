"""Writing a file all or nothing: a private temporary file beside the target, renamed into place.

Every file CarePlan writes holds patient data, so the temporary copy is created readable by its
owner only (0600), synced to disk, and only then renamed over the target (a rename within one
folder is atomic): a reader sees the old file or the new one, never half of one. A temporary copy
left behind by a killed command carries its process id in its name; the next run that writes in
that folder removes it (sweep_leftovers) once that process is gone.

No layer of CarePlan is below this module: the reporting, persistence and services layers all use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PARTIAL_SUFFIX = ".careplan-partial"
# .<target name>.<pid>.<random>.careplan-partial (with the -journal, -wal and -shm files SQLite
# makes beside a backup being written), and restore's staging folders .<database name>.restore-<pid>-<random>:
# both name the process that owns them.
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")
_LEFTOVER = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}" + re.escape(PARTIAL_SUFFIX) + r"(?:-journal|-wal|-shm)?$"
                       r"|^\..+\.restore-(\d+)-[^/]+$")


class StagedFile:
    """A temporary file beside `target`; commit() renames it into place, anything else removes it."""

    def __init__(self, target: Path):
        self.target = target
        self.path = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        self.file: BinaryIO = os.fdopen(fd, "wb")
        self.committed = False

    def commit(self) -> None:
        """Sync the data, rename it over the target, and sync the folder so the rename survives a crash."""
        if not self.file.closed:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
        else:  # filled through its path by someone else (SQLite's backup API)
            _fsync_path(self.path)
        os.chmod(self.path, 0o600)
        os.replace(self.path, self.target)
        self.committed = True
        fsync_dir(self.target.parent)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        for path in (self.path, *(Path(f"{self.path}{suffix}") for suffix in SQLITE_COMPANIONS)):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


@contextlib.contextmanager
def staged(target: Path) -> Iterator[StagedFile]:
    """A StagedFile for the block; whatever the block did not commit is removed when it ends."""
    stage = StagedFile(target)
    try:
        yield stage
    finally:
        if not stage.committed:
            stage.discard()


def write_atomically(target: Path, data: bytes) -> None:
    with staged(target) as stage:
        stage.file.write(data)
        stage.commit()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the data itself is already synced
    finally:
        os.close(fd)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def leftovers(folder: Path) -> list[Path]:
    """Temporary copies in `folder` whose process is no longer running."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return []
    found = []
    for name in names:
        m = _LEFTOVER.match(name)
        if m and not _running(int(m.group(1) or m.group(2))):
            found.append(folder / name)
    return sorted(found)


def sweep_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary copies killed commands left in `folder`; returns what was removed."""
    import shutil

    removed = []
    for path in leftovers(folder):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue  # not ours to remove after all (permissions): left for its owner
        removed.append(path)
    return removed
