"""The start-up baseline: a bare PySide6 window with a label, timed exactly as CarePlan times itself.

Deliberately imports nothing from careplan, so the baseline stays bare. The measure is copied
from careplan.ui.app.process_age: seconds since the kernel started this process, printed once
the window has painted.

With --with-sqlalchemy it first imports SQLAlchemy's Core and ORM, as CarePlan must before it can
show a patient: that run is the floor for any window of ours, not a goal.
"""

from __future__ import annotations

import os
import sys
import time

_IMPORTED_AT = time.perf_counter()


def process_age() -> float:
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED_AT


def main() -> int:
    if "--with-sqlalchemy" in sys.argv[1:]:
        import sqlalchemy.orm  # noqa: F401 (imported for its cost)
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    class FirstPaint(QObject):
        def __init__(self, target: QObject):
            super().__init__(target)
            self.done = False
            target.installEventFilter(self)

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, self.report)
            return False

        def report(self) -> None:
            print(f"startup_s={process_age():.3f}", flush=True)
            QCoreApplication.exit(0)

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1200, 800)
    window.setCentralWidget(QLabel("Hello"))
    FirstPaint(window)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
