"""The one path from screens to data: small typed operations run on the one worker thread.

In the manner of Anki's CollectionOp/QueryOp: a screen describes what to read (`QueryOp`) or
write (`CollectionOp`, whose function returns an `Outcome` saying what changed); the runner
executes them one after another on its single thread, so database access is serialised (an
autosave queued before a save runs before it), and hands the result back on the GUI thread.
After a write the runner emits `changesApplied(Changes, source)`; every screen listens to that
one signal and refreshes only what concerns it. Nothing here waits: no nested event loop.
"""

from __future__ import annotations

import contextlib
import itertools
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QProgressDialog, QWidget

from careplan.services.changes import Outcome

T = TypeVar("T")
Progress = Callable[[int], None]
SHOW_PROGRESS_AFTER_MS = 300


@dataclass
class _Pending:
    name: str
    success: Callable[[Any], None] | None
    failure: Callable[[BaseException], None] | None
    source: object
    exclusive: str
    progress: QProgressDialog | None = None
    progress_timer: QTimer | None = None


class _Job(QRunnable):
    def __init__(self, runner: OpRunner, job_id: int, fn: Callable[[Progress], Any]):
        super().__init__()
        self.setAutoDelete(True)
        self._runner, self._id, self._fn = runner, job_id, fn

    def run(self) -> None:
        def progress(percent: int) -> None:
            self._runner._progress.emit(self._id, int(percent))

        try:
            result, error = self._fn(progress), None
        except BaseException as e:  # handed to the GUI thread, which decides what to show
            result, error = None, e
            e.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
        # RuntimeError: the runner is gone (Qt is shutting down) and no one waits for this result.
        with contextlib.suppress(RuntimeError):
            self._runner._finished.emit(self._id, result, error)


class OpRunner(QObject):
    """Runs operations in the background, in the order they were submitted, on one thread."""

    _finished = Signal(int, object, object)
    """Internal: a job ended (id, result, error); queued onto the GUI thread."""
    _progress = Signal(int, int)
    """Internal: a job's percent done (id, percent); queued onto the GUI thread."""
    busyChanged = Signal(bool)  # noqa: N815 (Qt signal naming)
    """True while any operation is queued or running."""
    jobDone = Signal(str)  # noqa: N815 (Qt signal naming)
    """A named operation finished (after its callback ran); tests wait on this."""
    changesApplied = Signal(object, object)  # noqa: N815 (Qt signal naming)
    """A write succeeded, or a save made elsewhere was noticed: (Changes, source)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # one long-lived thread: the database's only user
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._progress.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def running(self, exclusive: str) -> bool:
        return any(p.exclusive == exclusive for p in self._pending.values())

    def submit(self, fn: Callable[[Progress], Any], *, name: str = "", success: Callable[[Any], None] | None = None,
               failure: Callable[[BaseException], None] | None = None, source: object = None,
               exclusive: str = "", progress: tuple[QWidget | None, str] | None = None) -> int | None:
        """Queue fn(progress). None (and nothing queued) when an `exclusive` op of that kind is running."""
        if exclusive and self.running(exclusive):
            return None
        job_id = next(self._ids)
        was_busy = self.busy
        pending = _Pending(name, success, failure, source, exclusive)
        if progress is not None:
            self._prepare_progress(pending, *progress)
        self._pending[job_id] = pending
        self._pool.start(_Job(self, job_id, fn))
        if not was_busy:
            self.busyChanged.emit(True)
        return job_id

    # --- progress, shown without waiting for it -------------------------------------------------
    def _prepare_progress(self, pending: _Pending, parent: QWidget | None, label: str) -> None:
        # A moving "busy" bar until the work reports a percentage (a backup or an import never does).
        dialog = QProgressDialog(label, "", 0, 0, parent)
        dialog.setObjectName("progressDialog")
        dialog.setWindowTitle("Please wait")
        dialog.setCancelButton(None)  # type: ignore[arg-type]  # ReportLab cannot stop halfway
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.reset()
        dialog.hide()
        # Quick jobs finish without a flash of progress bar; slow ones show it after a moment.
        timer = QTimer(dialog, singleShot=True, interval=SHOW_PROGRESS_AFTER_MS)
        timer.timeout.connect(dialog.show)
        timer.start()
        pending.progress, pending.progress_timer = dialog, timer

    @Slot(int, int)
    def _show_progress(self, job_id: int, percent: int) -> None:
        pending = self._pending.get(job_id)
        if pending is not None and pending.progress is not None:
            if pending.progress.maximum() == 0:
                pending.progress.setRange(0, 100)
            pending.progress.setValue(percent)

    # --- results -------------------------------------------------------------------------------
    @Slot(int, object, object)
    def _deliver(self, job_id: int, result: object, error: object) -> None:
        pending = self._pending.pop(job_id, None)
        if pending is None:
            return
        if pending.progress is not None:
            assert pending.progress_timer is not None
            pending.progress_timer.stop()
            pending.progress.close()
            pending.progress.deleteLater()
        if pending.source is not None and isinstance(pending.source, QObject) and not shiboken6.isValid(pending.source):
            pending.success = pending.failure = None  # the screen that asked has closed meanwhile
            if error is not None:
                error = None
        try:
            if error is not None:
                if pending.failure is None:
                    raise error  # type: ignore[misc]  # unexpected: the app's error dialog shows it
                pending.failure(error)  # type: ignore[arg-type]
                return
            if isinstance(result, Outcome):
                if result.changes.anything():
                    self.changesApplied.emit(result.changes, pending.source)
                result = result.value
            if pending.success is not None:
                pending.success(result)
        finally:
            if not self.busy:
                self.busyChanged.emit(False)
            self.jobDone.emit(pending.name)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """When closing: let every queued operation finish and deliver, while receivers still exist."""
        finished = self._pool.waitForDone(timeout_ms)
        while self._pending and finished:
            QCoreApplication.sendPostedEvents(self)
            finished = self._pool.waitForDone(timeout_ms)  # a callback may have queued more
        return finished


_runner: OpRunner | None = None


def runner() -> OpRunner:
    """The app's one runner (created on first use, owned by the QApplication)."""
    global _runner
    if _runner is None:
        _runner = OpRunner(QCoreApplication.instance())
        _runner.destroyed.connect(_forget)
    return _runner


def idle() -> bool:
    """No operation queued or running (tests wait for this)."""
    return _runner is None or not _runner.busy


def _forget(*_: object) -> None:
    global _runner
    _runner = None


class _Op(Generic[T]):
    _name = ""

    def __init__(self, parent: QObject | None, op: Callable[[], Any] | Callable[[Progress], Any]):
        self._parent, self._op = parent, op
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress_label = ""
        self._exclusive = ""
        self._takes_progress = False

    def named(self, name: str) -> _Op[T]:
        """A name tests can wait for (OpRunner.jobDone)."""
        self._name = name
        return self

    def success(self, cb: Callable[[T], None]) -> _Op[T]:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> _Op[T]:
        self._failure = cb
        return self

    def with_progress(self, label: str) -> _Op[T]:
        """Show a progress bar if the work takes a while; the op function receives progress(percent)."""
        self._progress_label = label
        self._takes_progress = True
        return self

    def exclusive(self, kind: str) -> _Op[T]:
        """Do nothing while another op of this kind is still running (a second Ctrl+E)."""
        self._exclusive = kind
        return self

    def run_in_background(self) -> bool:
        """Queue it; False when an exclusive op of the same kind is already running."""
        op = self._op

        def call(progress: Progress) -> Any:
            return op(progress) if self._takes_progress else op()  # type: ignore[call-arg]

        job = runner().submit(
            call, name=self._name, success=self._success, failure=self._failure, source=self._parent,
            exclusive=self._exclusive,
            progress=(self._parent if isinstance(self._parent, QWidget) else None, self._progress_label)
            if self._progress_label else None)
        return job is not None


class QueryOp(_Op[T]):
    """A read: op() returns a value handed to success(value) on the GUI thread."""


class CollectionOp(_Op[T]):
    """A write: op() returns an Outcome; its Changes are announced, its value goes to success()."""
