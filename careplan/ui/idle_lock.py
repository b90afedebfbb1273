"""The idle lock: after the clinic's idle time (services/idle_lock.py) the main window hides
patient data behind a cover until the user signs in again.

Locking writes the unsaved plan to its draft at once (the autosave, ui/plan_saving.py) and keeps
it in the editor, so an edit survives the lock whatever happens next. While locked, the cover
lies over everything below the menu bar, the window's title names no patient, every action and
the area beneath are disabled (no shortcut or keystroke reaches a hidden screen), and every other
window (History, Audit log, an open dialog or message box...) is hidden or covered until the user is
back, keeping what was typed in it (ui/lock_curtains.py).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careplan.services import idle_lock as policy
from careplan.services.clock import login_name
from careplan.ui import identity
from careplan.ui.dialog_kit import error_label, plain_label, set_error
from careplan.ui.lock_curtains import Curtains, belongs_to
from careplan.ui.operations import QueryOp

LOCKED_TITLE = "CarePlan \u2014 locked"
# What counts as use: input, not repaints or timers.
ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
            QEvent.Type.TouchBegin, QEvent.Type.ShortcutOverride}


class LockCover(QFrame):
    """What the locked window shows instead of patient data."""

    def __init__(self, parent: QWidget, server: bool):
        super().__init__(parent)
        self.setObjectName("lockCover")
        self.setAccessibleName("CarePlan is locked")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.box = box = QFrame()  # the sign-in form; lock_curtains lifts it above a modal dialog
        box.setObjectName("lockBox")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setFixedWidth(500)  # a fixed width lets the wrapped sentences take the height they need
        title = QLabel("CarePlan is locked")
        title.setObjectName("lockTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        self.why = plain_label("", "lockWhy")
        ask = ("Sign in to the server again to continue." if server else
               "To continue, type your name as CarePlan records it, or your computer login.")
        self.ask = plain_label(ask, "lockAsk")
        self.entry = QLineEdit()
        self.entry.setObjectName("lockEntry")
        self.entry.setAccessibleName("Password" if server else "Your name or computer login")
        if server:
            self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = error_label("lockError")
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("lockUnlock")
        self.unlock_button.setDefault(True)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(10)
        for w in (title, self.why, self.ask, self.entry, self.error):
            inner.addWidget(w)
        inner.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)
        self._outer = outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.entry.returnPressed.connect(self.unlock_button.click)

    def take_form_back(self) -> None:
        if self.box.parentWidget() is not self:
            self._outer.insertWidget(1, self.box, 0, Qt.AlignmentFlag.AlignHCenter)


class IdleLock(QObject):
    lockedChanged = Signal(bool)  # noqa: N815 (Qt signal naming)
    """The window was locked (True) or unlocked (False)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.locked = False
        self.seconds = 0.0
        self.curtains = Curtains(window, LOCKED_TITLE)
        self._actions: list[tuple[QAction, bool]] = []
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.lock)
        self.cover = LockCover(window, policy.uses_server_sign_in(window.db))  # type: ignore[attr-defined]
        self.cover.hide()
        self.cover.unlock_button.clicked.connect(self._try_unlock)
        window.windowTitleChanged.connect(self._keep_title)
        window.installEventFilter(self)
        self._watched_handle: QObject | None = None
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication)
        app.focusWindowChanged.connect(self._watch_dialog)
        self.reload_policy()

    def reload_policy(self) -> None:
        """Read the clinic's idle time on the worker, then (re)start counting."""
        db = self.window.db  # type: ignore[attr-defined]
        QueryOp(self, lambda: policy.load_idle_seconds(db)).success(self._set_seconds).named(
            "idle-lock").run_in_background()

    def _set_seconds(self, seconds: float) -> None:
        self.seconds = seconds
        self.restart()

    def restart(self) -> None:
        if self.seconds > 0 and not self.locked:
            self.timer.start(max(1, int(self.seconds * 1000)))  # the whole idle time, from now
        else:
            self.timer.stop()

    def _watch_input(self) -> None:
        """Every key and mouse event of this window passes its QWindow first: watching that one object
        sees all use (a filter on the whole application would also see other windows, and costs)."""
        handle = self.window.windowHandle()
        if handle is not None and handle is not self._watched_handle:
            handle.installEventFilter(self)
            self._watched_handle = handle

    @Slot(QWindow)
    def _watch_dialog(self, handle: QWindow | None) -> None:
        """Typing in a dialog of this window is use too: 10 minutes spent filling in a patient's
        details must not lock. Input goes to the focused window, so watching each one that takes
        the focus sees it (installing a filter twice keeps one)."""
        if handle is None or self.locked:
            return
        owner = next((w for w in QApplication.topLevelWidgets() if w.windowHandle() is handle), None)
        if owner is not None and owner is not self.window and belongs_to(owner, self.window):
            handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            if event.type() == QEvent.Type.Resize and self.locked:
                self._place_cover()
            elif event.type() in (QEvent.Type.Show, QEvent.Type.WinIdChange):
                self._watch_input()
        elif event.type() in ACTIVITY and not self.locked and self.timer.isActive():
            self.restart()
        return False

    # --- locking ---------------------------------------------------------------------------
    @Slot()
    def lock(self) -> None:
        if self.locked:
            return
        w = self.window
        editor = w.editor  # type: ignore[attr-defined]
        if editor.doc.modified:
            editor.saver.keep_draft()  # the unsaved edit is in the database before anything is hidden
        self.locked = True
        self.curtains.close_in()
        self._actions = [(a, a.isEnabled()) for a in w.findChildren(QAction)]
        for a, _ in self._actions:
            a.setEnabled(False)
        w.centralWidget().setEnabled(False)
        w.menuBar().setEnabled(False)
        w.statusBar().clearMessage()
        minutes = self.seconds / 60
        self.cover.why.setText(f"Patient data is hidden after {minutes:g} minute{'s' if minutes != 1 else ''} "
                               "without use. Unsaved changes are kept." if minutes >= 1 else
                               "Patient data is hidden after a time without use. Unsaved changes are kept.")
        self.cover.entry.clear()
        set_error(self.cover.error, None)
        self._place_cover()
        self.cover.show()
        self.cover.raise_()
        self.cover.entry.setFocus()
        self.curtains.keep_form_reachable(self.cover.box)
        w.setWindowTitle(LOCKED_TITLE)
        self.lockedChanged.emit(True)

    def _place_cover(self) -> None:
        top = self.window.centralWidget().geometry().top()
        self.cover.setGeometry(QRect(0, top, self.window.width(), self.window.height() - top))

    @Slot(str)
    def _keep_title(self, title: str) -> None:
        if self.locked and title != LOCKED_TITLE:
            self.window.setWindowTitle(LOCKED_TITLE)  # screens refreshing behind the cover name no one

    # --- unlocking -------------------------------------------------------------------------
    @Slot()
    def _try_unlock(self) -> None:
        typed = self.cover.entry.text()
        db = self.window.db  # type: ignore[attr-defined]
        name = identity.remembered_name(self.window.settings)  # type: ignore[attr-defined]
        self.cover.unlock_button.setEnabled(False)
        QueryOp(self, lambda: policy.sign_in_problem(db, typed, printed_name=name, login=login_name())).success(
            self._checked).failure(self._check_failed).named("idle-unlock").run_in_background()

    def _checked(self, problem: str | None) -> None:
        self.cover.unlock_button.setEnabled(True)
        if problem:
            set_error(self.cover.error, problem)
            self.cover.entry.selectAll()
            return
        self.unlock()

    def _check_failed(self, error: BaseException) -> None:
        self.cover.unlock_button.setEnabled(True)
        set_error(self.cover.error, f"Could not check your sign-in: {error}")

    def unlock(self) -> None:
        w = self.window
        self.locked = False
        self.cover.take_form_back()
        self.cover.hide()
        w.centralWidget().setEnabled(True)
        w.menuBar().setEnabled(True)
        for a, enabled in self._actions:
            a.setEnabled(enabled)
        self._actions = []
        self.curtains.lift()
        w._update()  # type: ignore[attr-defined]  # title, pages and actions as they are now
        self.lockedChanged.emit(False)
        self.reload_policy()
