"""One background thread for database writes, so they never freeze the window.

All jobs run one after another on a single thread: database access stays serialised (an
autosave queued before a save runs before it), and results come back on the GUI thread
through a queued signal, never by touching widgets from the worker.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QApplication

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Job(QRunnable):
    def __init__(self, worker: Worker, job_id: int, fn: Callable[[], Any]):
        super().__init__()
        self.setAutoDelete(True)
        self._worker = worker
        self._id = job_id
        self._fn = fn

    def run(self) -> None:
        try:
            result, error = self._fn(), None
        except BaseException as e:  # handed to the GUI thread, which decides what to show
            result, error = None, e
            e.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
        self._worker._finished.emit(self._id, result, error)


class Worker(QObject):
    """Runs callables in the background, in the order they were submitted."""

    _finished = Signal(int, object, object)
    """Internal: a job ended (id, result, error); queued onto the GUI thread."""
    busyChanged = Signal(bool)  # noqa: N815 (Qt signal naming)
    """True while any job is queued or running."""
    jobDone = Signal(str)  # noqa: N815 (Qt signal naming)
    """A named job finished (after its callback ran); tests wait on this."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, Done | None, Failed | None]] = {}
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(self, fn: Callable[[], Any], *, name: str = "", done: Done | None = None,
               failed: Failed | None = None) -> int:
        job_id = next(self._ids)
        was_busy = self.busy
        self._pending[job_id] = (name, done, failed)
        self._pool.start(_Job(self, job_id, fn))
        if not was_busy:
            self.busyChanged.emit(True)
        return job_id

    @Slot(int, object, object)
    def _deliver(self, job_id: int, result: object, error: object) -> None:
        name, done, failed = self._pending.pop(job_id, ("", None, None))
        try:
            if error is not None:
                if failed is None:
                    raise error  # type: ignore[misc]
                failed(error)  # type: ignore[arg-type]
            elif done is not None:
                done(result)
        finally:
            if not self.busy:
                self.busyChanged.emit(False)
            self.jobDone.emit(name)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until every job ran and its callback was delivered (used when closing)."""
        finished = self._pool.waitForDone(timeout_ms)
        # The results are queued signals: deliver them now, while the receivers still exist.
        while self._pending and finished:
            QApplication.processEvents()
            finished = self._pool.waitForDone(timeout_ms)  # a callback may have queued more
        return finished
