"""A debug guard: the database must never be touched from the GUI thread while the app runs.

Off by default; the tests (and anyone chasing a stutter) turn it on with CAREPLAN_GUI_DB_GUARD=1.
When on, every SQL statement checks the thread it runs on: on the GUI thread, with the app's own
code (careplan.ui) on the call stack, it is refused and remembered, so a test fails. Set-up code
in a test calling a service directly is not the app, and is allowed.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from sqlalchemy import event

from careplan.persistence.engine import Database


class GuiThreadDatabaseError(AssertionError):
    """The app touched the database from the GUI thread."""


violations: list[str] = []


def enabled() -> bool:
    return os.environ.get("CAREPLAN_GUI_DB_GUARD", "") == "1"


def _ui_caller() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("careplan.ui.") and module != __name__:
            return f"{module}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _check(*_: Any) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    caller = _ui_caller()
    if caller is not None:
        violations.append(caller)
        raise GuiThreadDatabaseError(f"database used from the GUI thread by {caller}")


def install(db: Database) -> None:
    """Watch this database's statements (once per engine) when the guard is on."""
    if enabled() and not event.contains(db.engine, "before_cursor_execute", _check):
        event.listen(db.engine, "before_cursor_execute", _check)
