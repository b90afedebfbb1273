"""Driving the real widgets offscreen: one QApplication, and "done" meaning painted."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


_QUIET = ("propagateSizeHints",)  # the offscreen platform's notes, not problems


def _messages(kind, context, text: str) -> None:  # type: ignore[no-untyped-def]
    if not any(q in text for q in _QUIET):
        print(text, file=sys.stderr)


def application():  # -> QApplication
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        qInstallMessageHandler(_messages)
        app = QApplication(["careplan-bench"])
    return app


def settle() -> None:
    """Deliver every pending event, paints included, so a timing covers what the user would see."""
    from PySide6.QtWidgets import QApplication

    from careplan.ui import operations

    # Reads and writes run on the app's worker thread: wait for their results to be shown too.
    while not operations.idle() or any(
            getattr(w, "busy", False) is True for w in QApplication.allWidgets()
            if isinstance(getattr(type(w), "busy", None), property)):
        QApplication.processEvents()
    for _ in range(3):  # a paint can post layout requests, which post another paint
        QApplication.processEvents()
        QApplication.sendPostedEvents()


def timed_settled(action: Callable[[], object]) -> float:
    """Seconds from the action until the resulting events (and repaint) have been handled."""
    start = time.perf_counter()
    action()
    settle()
    return time.perf_counter() - start


def show(widget, width: int = 1200, height: int = 800) -> None:  # widget: QWidget
    widget.resize(width, height)
    widget.show()
    settle()


def type_keys(line_edit, text: str) -> list[float]:  # line_edit: QLineEdit
    """Type text one key at a time; seconds each keystroke took until the screen was updated."""
    from PySide6.QtTest import QTest

    return [timed_settled(lambda ch=ch: QTest.keyClicks(line_edit, ch)) for ch in text]


def clear(line_edit) -> None:
    line_edit.clear()
    settle()
