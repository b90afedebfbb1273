"""Asking before an old revision is saved again, and why."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from careplan.ui.dialog_kit import plain_label


class RestoreDialog(QDialog):
    def __init__(self, number: int, latest: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(f"Restore revision {number}")
        self.setAccessibleName(f"Restore revision {number}")
        text = plain_label(
            f"The plan as it was in revision {number} will be saved again as revision {latest + 1}, "
            f"the new current plan. Revisions 1 to {latest} stay exactly as they are.",
            "restoreExplanation")
        self.reason = QLineEdit(f"Restored revision {number}")
        self.reason.setObjectName("restoreReason")
        self.reason.setAccessibleName("Reason for restoring")
        self.reason.selectAll()
        label = QLabel("&Why are you restoring it?")
        label.setBuddy(self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.addButton(f"Restore revision {number}", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("restoreConfirm")
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addSpacing(6)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)


def ask_restore_reason(parent: QWidget | None, number: int, latest: int) -> str | None:
    """The reason to record, or None if the coordinator changed their mind. Tests replace this."""
    dialog = RestoreDialog(number, latest, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.reason.text().strip() or f"Restored revision {number}"
