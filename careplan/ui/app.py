"""Starting the desktop app: QApplication, the database, the main window."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from careplan import __version__
from careplan.paths import APP_AUTHOR, APP_NAME
from careplan.persistence.engine import Database


def process_age() -> float:
    """Seconds since this process started (from /proc where available)."""
    try:
        import os

        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED_AT


_IMPORTED_AT = time.perf_counter()


class _FirstPaint(QObject):
    """Prints start-up time once the main window has painted, then quits."""

    def __init__(self, target: QObject):
        super().__init__(target)
        self._done = False
        target.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._done:
            self._done = True
            # Let this paint finish before measuring and leaving.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"startup_s={process_age():.3f}", flush=True)
        QCoreApplication.exit(0)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
    QCoreApplication.setOrganizationName(APP_AUTHOR)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    return app  # type: ignore[return-value]


def show_startup_error(message: str) -> None:
    print(f"careplan: {message}", file=sys.stderr)
    make_application()
    box = QMessageBox(QMessageBox.Icon.Critical, "CarePlan cannot open the database", message)
    box.setObjectName("startupError")
    if QApplication.platformName() != "offscreen":
        box.exec()


def run_app(db: Database, *, exit_after_startup: bool = False) -> int:
    """Show the main window on an open database and run until it closes (see cli.gui.open_app)."""
    app = make_application()
    from careplan.ui import crash

    crash.install()  # an unexpected error: keep unsaved edits as a draft, log, one dialog
    # A timed start-up run must not stop at the "recover unsaved changes?" question.
    window = build_main_window(db, offer_recovery=not exit_after_startup)
    if exit_after_startup:
        _FirstPaint(window)
    window.show()
    code = app.exec()
    # The loop can end with reads still running (--exit-after-startup quits without closing the
    # window, which would have waited): let them finish while Qt and the window still exist.
    from careplan.ui.operations import runner

    runner().wait()
    return code


def build_main_window(db: Database, *, offer_recovery: bool = True):  # type: ignore[no-untyped-def]
    from careplan.ui.main_window import MainWindow

    return MainWindow(db, offer_recovery=offer_recovery)
