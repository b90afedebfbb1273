"""Running one slow task off the GUI thread while the caller waits, with progress if it drags on.

The window stays responsive (it repaints, the progress bar moves) because the caller waits in a
local event loop, as a modal dialog would; a queued signal wakes it when the result is ready.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

T = TypeVar("T")
SHOW_PROGRESS_AFTER_MS = 300


class _Outcome:
    """Filled in by the worker thread before it signals; read by the GUI thread after."""

    def __init__(self) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


class _Relay(QObject):
    progress = Signal(int)
    """Percent done, sent from the worker thread."""
    finished = Signal()
    """The outcome is ready, sent once from the worker thread."""


class _Task(QRunnable):
    def __init__(self, fn: Callable[[Callable[[int], None]], Any], relay: _Relay, outcome: _Outcome):
        super().__init__()
        self.setAutoDelete(True)
        self._fn, self._relay, self._outcome = fn, relay, outcome

    def run(self) -> None:
        try:
            self._outcome.result = self._fn(self._relay.progress.emit)
        except BaseException as e:  # re-raised on the GUI thread
            self._outcome.error = e
        self._outcome.done = True
        self._relay.finished.emit()


def run_with_progress(parent: QWidget | None, label: str, fn: Callable[[Callable[[int], None]], T]) -> T:
    """Run fn(progress) on a worker thread and return its result (or raise its error)."""
    dialog = QProgressDialog(label, "", 0, 100, parent)
    dialog.setObjectName("progressDialog")
    dialog.setWindowTitle("Please wait")
    dialog.setCancelButton(None)  # type: ignore[arg-type]  # ReportLab cannot stop halfway
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(0)
    dialog.reset()
    dialog.hide()
    loop = QEventLoop()
    relay, outcome = _Relay(), _Outcome()
    # Both connections are queued: the slots run here, on the GUI thread, inside loop.exec().
    relay.progress.connect(dialog.setValue, Qt.ConnectionType.QueuedConnection)
    relay.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    # Quick jobs finish without a flash of progress bar; slow ones show it after a moment.
    timer = QTimer(singleShot=True, interval=SHOW_PROGRESS_AFTER_MS)
    timer.timeout.connect(dialog.show)
    timer.start()
    # A pool of our own, waited for below: the task must be gone before `relay` is freed here,
    # or the two threads could tear the same object down at once.
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    pool.start(_Task(fn, relay, outcome))
    while not outcome.done:
        loop.exec()
    pool.waitForDone()
    timer.stop()
    dialog.close()
    dialog.deleteLater()
    if outcome.error is not None:
        raise outcome.error
    return outcome.result  # type: ignore[no-any-return]
