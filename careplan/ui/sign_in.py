"""Signing in to the clinic's server when it asks for a password (issue 16: the app never stores one).

Opening a PostgreSQL database that needs a password, or refused the remembered one, shows this
dialog before any window exists: the login, a password field that never echoes, and "Remember on
this computer" (the OS password store, persistence/passwords.py), which is only honoured once the
server has accepted the password. The password lives only in the engine's URL in memory: never in a
file, the log, a window title or an error message (those come from engine.describe_url, which
hides it). Cancel quits with the server's sentence printed, as before this dialog existed.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.persistence import passwords
from careplan.persistence.engine import Database, describe_url, open_database, resolve_url
from careplan.persistence.errors import DatabaseOpenError, PasswordNeededError
from careplan.ui.dialog_kit import error_label, plain_label, set_error, show_error


class SignInCancelledError(DatabaseOpenError):
    """The user closed the sign-in dialog; the message is the server's last sentence."""


class SignInDialog(QDialog):
    def __init__(self, url_arg: str | None, problem: PasswordNeededError, parent: QWidget | None = None):
        super().__init__(parent)
        self.url_arg = url_arg
        self.db: Database | None = None
        self.last_sentence = str(problem)
        self.remember_problem: str | None = None
        url = resolve_url(url_arg).set(password=None)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to CarePlan")
        self.setAccessibleName("Sign in to the CarePlan server")
        self.setMinimumWidth(480)
        server = f"{url.host or 'this computer'}{f':{url.port}' if url.port else ''}, database {url.database or '?'}"
        where = plain_label(f"The CarePlan server asks for your password.\nServer: {server}", "signInWhere")
        where.setToolTip(describe_url(url))  # the full address, password hidden
        self.login = plain_label(url.username or "", "signInLogin", wrap=False)
        self.password = QLineEdit()
        self.password.setObjectName("signInPassword")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        # No input method (predictive text) may see or keep what is typed here.
        self.password.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData
                                          | Qt.InputMethodHint.ImhNoPredictiveText)
        self.remember = QCheckBox("&Remember on this computer")
        self.remember.setObjectName("signInRemember")
        self.remember.setToolTip("Kept in this computer's password store (keyring), only once the server accepts it")
        self.error = error_label("signInError")
        if problem.refused:  # a remembered password the server no longer takes: say so at once
            set_error(self.error, str(problem))
        form = QFormLayout()
        form.addRow("Login:", self.login)
        password_label = QLabel("&Password:")
        password_label.setBuddy(self.password)
        form.addRow(password_label, self.password)
        form.addRow("", self.remember)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("&Sign in")
        self.sign_in_button.setObjectName("signInOk")
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        # An empty password is never sent: libpq would quietly try ~/.pgpass instead.
        self.password.textChanged.connect(lambda t: self.sign_in_button.setEnabled(bool(t)))
        self.sign_in_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.password.setFocus()

    @Slot()
    def try_sign_in(self) -> None:
        typed = self.password.text()
        if not typed:
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.db = open_database(self.url_arg, password=typed)
        except DatabaseOpenError as e:
            self.last_sentence = str(e)
            set_error(self.error, self.last_sentence)
            self.password.selectAll()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        if self.remember.isChecked():  # only now: the server has accepted it
            try:
                passwords.remember(self.db.url, typed)
            except passwords.PasswordStoreError as e:
                self.remember_problem = str(e)
        self.password.clear()
        self.accept()


def sign_in(url_arg: str | None, problem: PasswordNeededError) -> Database:
    """The open database once the user signed in; SignInCancelledError when they gave up."""
    from careplan.ui.app import make_application

    make_application()
    if QApplication.platformName() == "offscreen":  # nobody can type: fail as before, with the sentence
        raise SignInCancelledError(str(problem))
    dialog = SignInDialog(url_arg, problem)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.db is None:
        raise SignInCancelledError(dialog.last_sentence)
    if dialog.remember_problem:  # signed in all the same; the password just was not kept
        print(f"careplan: {dialog.remember_problem}", file=sys.stderr)
        show_error(None, "Password not remembered", dialog.remember_problem)
    return dialog.db
