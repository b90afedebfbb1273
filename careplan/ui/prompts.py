"""Small questions the app asks. Each is one function, so tests can replace it."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.limits import max_length
from careplan.ui.dialog_kit import local_time
from careplan.ui.form_fields import named


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, info: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # patient names are shown as typed, never as markup
    if info:
        box.setInformativeText(info)
    return box


def ask_save_changes(parent: QWidget | None, patient_name: str) -> str:
    """'save', 'discard' or 'cancel' for unsaved edits to a plan."""
    box = _box(parent, QMessageBox.Icon.Question, "Unsaved changes",
               f"{patient_name}'s plan has changes that are not saved yet.",
               "Save them as a new revision, discard them, or go back to editing.")
    box.setObjectName("askSaveChanges")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
        QMessageBox.StandardButton(answer), "cancel")


def ask_discard_patient_changes(parent: QWidget | None) -> bool:
    """Leaving the patient dialog with typed changes: True discards them, False keeps editing."""
    box = _box(parent, QMessageBox.Icon.Question, "Unsaved changes", "Discard your changes to this patient?",
               "What you typed here has not been saved.")
    box.setObjectName("askDiscardPatientChanges")
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)  # Enter or Escape on the question loses nothing
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is discard


def ask_save_before(parent: QWidget | None, what: str) -> bool:
    """Export and print show saved revisions only: offer to save first."""
    box = _box(parent, QMessageBox.Icon.Question, "Save first?",
               f"To {what}, the plan must be saved first: the printout always shows a saved revision.",
               "Save your changes now?")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    return box.exec() == QMessageBox.StandardButton.Save


class ReasonDialog(QDialog):
    """Why the plan changed, asked for every revision (the first too: what it was based on), so the
    history explains itself from its first line."""

    def __init__(self, number: int, parent: QWidget | None = None, prefill: str = ""):
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(f"Save revision {number}")
        layout = QVBoxLayout(self)
        intro = QLabel("This will be the first saved version of the plan.\nWhat is it based on?" if number == 1 else
                       f"This will be revision {number} of the plan.\nWhy did the plan change?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.edit = QPlainTextEdit()
        named(self.edit, "reasonEdit", "Reason for the change")
        self.edit.setPlaceholderText("e.g. First clinic assessment on 12 March" if number == 1 else
                                     "e.g. Review on 12 March: started night-time breathing support")
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(self.fontMetrics().height() * 4)
        if prefill:  # e.g. the starter plan applied; the coordinator adds the why after it
            self.edit.setPlainText(prefill)
            self.edit.moveCursor(QTextCursor.MoveOperation.End)
        intro.setBuddy(self.edit)
        layout.addWidget(self.edit)
        self.hint = QLabel()
        self.hint.setObjectName("reasonHint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        named(self.ok, "reasonSave", "Save revision")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check()
        self.resize(self.fontMetrics().horizontalAdvance("M") * 36, self.sizeHint().height())

    def _check(self) -> None:
        text = self.edit.toPlainText()
        if not text.strip():
            message = "Write a short reason to save; it is kept in the plan's history."
        elif len(text) > max_length("revision.reason"):
            message = f"Keep the reason under {max_length('revision.reason'):,} characters (it has {len(text):,})."
        else:
            message = ""
        self.ok.setEnabled(not message)
        self.ok.setToolTip(message)
        self.hint.setText(message)

    def reason(self) -> str:
        return self.edit.toPlainText().strip()


def ask_reason(parent: QWidget | None, number: int, prefill: str = "") -> str | None:
    dialog = ReasonDialog(number, parent, prefill)
    return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_recover_draft(parent: QWidget | None, patient_name: str, saved_at: datetime, note: str = "") -> str:
    """'recover', 'discard' or 'later' for edits autosaved but never saved."""
    box = _box(parent, QMessageBox.Icon.Question, "Recover unsaved changes?",
               f"Changes to {patient_name}'s plan from {local_time(saved_at)} were never saved "
               "(perhaps the app closed unexpectedly).",
               ("Recover them to check and save them, or discard them for good." + (f"\n\n{note}" if note else "")))
    box.setObjectName("askRecoverDraft")
    recover = box.addButton("Recover my changes", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard them", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    # Enter keeps the draft for later: recovering changes the open plan, discarding loses the edits.
    box.setDefaultButton(later)
    box.exec()
    clicked = box.clickedButton()
    return "recover" if clicked is recover else "discard" if clicked is discard else "later"


def offer_startup_recovery(parent: QWidget | None, lines: list[str]) -> bool:
    """At start-up: unsaved work was found. True opens the first plan listed to recover it."""
    box = _box(parent, QMessageBox.Icon.Information, "Unsaved changes found",
               "Some plan changes were never saved (perhaps the app closed unexpectedly):\n\n"
               + "\n".join(f"\u2022 {line}" for line in lines),
               "Open the first one now to recover it? The others are offered when you open those patients.")
    box.setObjectName("offerRecovery")
    box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Close).setText("Not now")
    # Enter keeps the drafts for later (each is offered again when its patient is opened).
    box.setDefaultButton(QMessageBox.StandardButton.Close)
    return box.exec() == QMessageBox.StandardButton.Open

