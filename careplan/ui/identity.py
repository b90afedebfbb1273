"""Who is editing: the name every revision records, asked once and then remembered."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.limits import max_length
from careplan.services.clock import login_name

NAME_KEY = "identity/name"


def remembered_name(settings: QSettings) -> str:
    value = settings.value(NAME_KEY, "")
    return str(value).strip() if value else ""


def current_actor(settings: QSettings, server_name: str | None = None) -> str:
    """The remembered name, else the login name (used before the name was ever asked).

    On a shared PostgreSQL server set up with `careplan admin init`, the server's printed name for
    the login (Database.server_name) instead: the server refuses any other (persistence/who.py)."""
    return server_name or remembered_name(settings) or login_name()


def remember_name(settings: QSettings, name: str) -> None:
    settings.setValue(NAME_KEY, name.strip())
    settings.sync()


class NameDialog(QDialog):
    """Asks for the coordinator's name as it should appear on every saved revision."""

    def __init__(self, current: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("nameDialog")
        self.setWindowTitle("Your name")
        layout = QVBoxLayout(self)
        intro = QLabel("Every saved plan records who made the change.\nHow should your name appear?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.edit = QLineEdit(current)
        self.edit.setObjectName("nameEdit")
        self.edit.setAccessibleName("Your name")
        self.edit.setMaxLength(max_length("revision.author"))
        layout.addWidget(self.edit)
        self.hint = QLabel("")
        self.hint.setObjectName("nameHint")
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        empty = not self.edit.text().strip()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not empty)
        self.hint.setText("Type your name to continue." if empty else "")
        ok.setToolTip("Type your name first." if empty else "")

    def name(self) -> str:
        return self.edit.text().strip()


def ask_name(parent: QWidget | None, current: str) -> str | None:
    """Replaced in tests. Returns the name, or None when the user cancels."""
    dialog = NameDialog(current, parent)
    return dialog.name() if dialog.exec() == QDialog.DialogCode.Accepted else None


def named_actor(parent: QWidget | None, settings: QSettings, changed: Callable[[], None],
                say: Callable[[str], None], server_name: str | None = None) -> str | None:
    """ensure_actor for a window: tells it when the name was first given, and says why nothing happened if not.

    Without this, writes made before the first "Your name" question were logged under the login name (`root`).
    """
    if server_name:
        return server_name
    had = remembered_name(settings)
    name = ensure_actor(parent, settings)
    if name and not had:
        changed()
    if not name:
        say("Nothing was done: the audit log records who does what, so CarePlan needs your name first.")
    return name


def ensure_actor(parent: QWidget | None, settings: QSettings, server_name: str | None = None) -> str | None:
    """The remembered name, asking for it (prefilled with the login name) the first time."""
    if server_name:
        return server_name
    name = remembered_name(settings)
    if name:
        return name
    chosen = ask_name(parent, login_name())
    if chosen:
        remember_name(settings, chosen)
    return chosen or None
