"""Unexpected errors: keep the user's unsaved plan edits as a draft, log it, say so in one dialog.

Installed as sys.excepthook by the app (not in tests: pytest-qt fails a test on any exception in
a slot, which is what a test wants). The log holds the exception type and the traceback's code
lines, never the message, which could carry a patient's name.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QApplication, QWidget

from careplan.ui import dialog_kit

log = logging.getLogger("careplan.crash")
KeepDrafts = Callable[[Callable[[bool], None]], bool]
"""keep(done) -> True if a draft is being written; done(ok) is called once it is (or failed)."""
_keepers: list[tuple[QWidget, KeepDrafts]] = []


def register_keeper(owner: QWidget, keep: KeepDrafts) -> None:
    """Whoever holds unsaved work registers how to keep it; forgotten when the owner goes."""
    _keepers.append((owner, keep))
    owner.destroyed.connect(lambda *_: _forget(keep))


def _forget(keep: KeepDrafts) -> None:
    _keepers[:] = [(o, k) for o, k in _keepers if k is not keep]


def log_unexpected(exc_type: type[BaseException], tb: TracebackType | None) -> None:
    # Where, not what: file, line and function only. Source lines and the message may hold a name.
    frames = "\n".join(f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)) if tb else ""
    log.error("unexpected %s.%s\n%s", exc_type.__module__, exc_type.__qualname__, frames)


def report_unexpected(exc_type: type[BaseException], exc: BaseException,
                      tb: TracebackType | None = None) -> None:
    """Keep unsaved edits as drafts first, then show one dialog naming what happened."""
    log_unexpected(exc_type, tb or exc.__traceback__)
    what = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
    parent = QApplication.activeWindow()
    keepers = [k for _owner, k in _keepers]
    if not keepers:
        _tell(parent, what, None)
        return
    results: list[bool] = []

    def done(ok: bool) -> None:
        results.append(ok)
        if len(results) == pending:
            _tell(parent, what, all(results))

    pending = 0
    for keep in keepers:
        pending += 1
        if not keep(done):
            pending -= 1
    if pending == 0:
        _tell(parent, what, None)


def _tell(parent: QWidget | None, what: str, kept: bool | None) -> None:
    if kept is None:
        kept_text = "There were no unsaved plan edits to keep."
    elif kept:
        kept_text = ("Your unsaved plan edits were kept as a draft: open the patient again to recover them, "
                     "or restart CarePlan and it will offer them.")
    else:
        kept_text = "Your unsaved plan edits could not be kept as a draft: they are still on screen; try saving."
    dialog_kit.show_error(parent, "Something went wrong",
                          f"CarePlan hit an unexpected problem ({what}).\n\n{kept_text}\n\n"
                          "The details were written to the log (without patient names).")


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    try:
        report_unexpected(exc_type, exc, tb)
    except Exception:  # never loop: the fallback is Python's own report
        sys.__excepthook__(exc_type, exc, tb)


def install() -> None:
    sys.excepthook = excepthook
