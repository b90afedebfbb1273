"""While the idle lock holds, no window of the app may show a patient: this module hides or covers
every window other than the main one, and gives each back exactly as it was after signing in.

Why two ways:
- A window that is not modal (the audit log, shown with show()) is simply hidden, and shown again.
- A modal dialog cannot be hidden: hiding a QDialog ends its exec(), which the code that opened it
  reads as Cancel, and what the user typed would be lost. So it stays open, still holding its text,
  under a curtain (a plain panel over its whole area), disabled, and titled "CarePlan - locked".
  A modal dialog also blocks the main window, so the sign-in form then moves into a small dialog
  of its own on top of every other (SignInOnTop), and back onto the main window's cover after.

A window that opens while locked (an error box from a save that was running, a screen that
finishes loading) is covered as it appears, and a title set behind a curtain is kept for later,
never shown: the application-wide event filter doing this is installed only while locked.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid


class Curtain(QFrame):
    """What a covered window shows while locked: no patient, only where to sign in."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("lockCurtain")
        self.setAccessibleName("CarePlan is locked")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        text = QLabel("CarePlan is locked.\nSign in again to see this window; what you typed is kept.")
        text.setObjectName("lockCurtainText")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        box = QVBoxLayout(self)
        box.addWidget(text)
        self.setGeometry(window.rect())
        self.show()
        self.raise_()


class SignInOnTop(QDialog):
    """Holds the sign-in form while a modal dialog blocks the main window. It cannot be closed
    without signing in: Escape and the close button do nothing (the lock stays)."""

    def __init__(self, main: QMainWindow, form: QWidget, title: str):
        super().__init__(main)
        self.setObjectName("lockSignIn")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)  # above every other modal dialog
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)

    def reject(self) -> None:
        pass  # Escape does not unlock

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()

    def place_over(self, main: QWidget) -> None:
        self.adjustSize()
        centre = main.frameGeometry().center()
        self.move(centre.x() - self.width() // 2, centre.y() - self.height() // 2)


@dataclass
class _Covered:
    window: QWidget
    curtain: Curtain
    title: str  # the title to give back (the latest one set while covered)
    enabled: bool
    focus: QWidget | None  # where the user was typing: the cursor goes back there


def belongs_to(widget: QWidget, main: QWidget) -> bool:
    """True when `widget` was opened from `main` (directly or from one of its dialogs).
    QWidget.isAncestorOf stops at window borders, so walk the parents ourselves."""
    w: QWidget | None = widget
    while w is not None:
        if w is main:
            return True
        w = w.parentWidget()
    return False


class Curtains(QObject):
    def __init__(self, main: QMainWindow, locked_title: str):
        super().__init__(main)
        self.main = main
        self.locked_title = locked_title
        self.hidden: list[QWidget] = []
        self.covered: dict[int, _Covered] = {}  # by id(window): QWidget is not hashable by identity everywhere
        self.sign_in: SignInOnTop | None = None
        self.form: QWidget | None = None

    def _others(self) -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets()
                if w is not self.main and w is not self.sign_in and w.isVisible() and belongs_to(w, self.main)]

    def close_in(self) -> None:
        """Hide or cover every other window of the main window; watch for new ones until lifted."""
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()  # an open menu or list may show a patient; a popup holds nothing typed
        for w in self._others():
            if w.windowModality() == Qt.WindowModality.NonModal:
                w.hide()  # not modal, so not in exec(): hiding ends nothing
                self.hidden.append(w)
            else:
                self._cover(w)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def keep_form_reachable(self, form: QWidget) -> None:
        """A covered modal dialog blocks the main window and its cover: the sign-in form then moves
        into a dialog above every modal one, and comes back above one that opens later."""
        self.form = form
        if QApplication.activeModalWidget() in (None, self.sign_in):
            return
        if self.sign_in is None:
            self.sign_in = SignInOnTop(self.main, form, self.locked_title)
            self.sign_in.place_over(self.main)
        else:
            self.sign_in.hide()  # shown again, it is the newest modal window: the one taking input
        self.sign_in.show()
        self.sign_in.raise_()
        self.sign_in.activateWindow()
        form.findChild(QLineEdit).setFocus()

    def _cover(self, w: QWidget) -> None:
        if id(w) in self.covered:
            return
        self.covered[id(w)] = _Covered(w, Curtain(w), w.windowTitle(), w.isEnabled(), w.focusWidget())
        w.setEnabled(False)  # no keystroke reaches the fields under the curtain
        w.setWindowTitle(self.locked_title)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(watched, QWidget):
            return False
        if kind == QEvent.Type.Show and watched.isWindow() and watched is not self.main \
                and watched is not self.sign_in and belongs_to(watched, self.main) \
                and not isinstance(watched, Curtain):
            self._cover(watched)
            if self.form is not None:
                QTimer.singleShot(0, lambda: self.form and self.keep_form_reachable(self.form))
            return False
        entry = self.covered.get(id(watched))
        if entry is None or entry.window is not watched:
            if kind in (QEvent.Type.Show, QEvent.Type.ChildAdded):
                self._raise_curtain_of(watched.window())
            return False
        if kind == QEvent.Type.WindowTitleChange and watched.windowTitle() != self.locked_title:
            entry.title = watched.windowTitle()  # given back on unlocking, never shown while locked
            watched.setWindowTitle(self.locked_title)  # the event comes back with this title: no loop
        elif kind == QEvent.Type.Resize:
            entry.curtain.setGeometry(watched.rect())
        return False

    def _raise_curtain_of(self, window: QWidget) -> None:
        """A widget shown in a covered window after the curtain would lie above it."""
        entry = self.covered.get(id(window))
        if entry is not None and entry.window is window:
            QTimer.singleShot(0, entry.curtain.raise_)

    def lift(self) -> None:
        """Give every window back as it was: covered ones keep what was typed, hidden ones reappear."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.form = None
        if self.sign_in is not None:
            self.sign_in.hide()
            self.sign_in.deleteLater()
            self.sign_in = None
        for entry in self.covered.values():
            if not isValid(entry.window):
                continue  # closed by the program while locked: nothing to give back
            entry.curtain.hide()
            entry.curtain.deleteLater()
            entry.window.setEnabled(entry.enabled)
            entry.window.setWindowTitle(entry.title)
            if entry.focus is not None and isValid(entry.focus):
                entry.focus.setFocus()
        self.covered = {}
        for w in self.hidden:
            if isValid(w):
                w.show()
        self.hidden = []
