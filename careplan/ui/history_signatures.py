"""Signatures in the History window: who signed the shown revision, when and what for, and
"Sign…" to add a reviewed or approved signature (services/signatures.py).

Each line carries what 21 CFR Part 11 §11.50 asks of a shown signature: the printed name, the
date and time, and the meaning. A signature is history: once added it is never changed.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.domain.limits import max_length
from careplan.domain.signature import ADDED_MEANINGS, Meaning, Signature
from careplan.persistence.engine import Database
from careplan.services.changes import Changes, Outcome
from careplan.services.signatures import sign, signatures_of
from careplan.ui import dialog_kit
from careplan.ui.dialog_kit import error_label, plain_label, set_error
from careplan.ui.operations import CollectionOp, QueryOp, runner


def signature_lines(signatures: list[Signature]) -> str:
    if not signatures:
        return "Signatures: none (revisions saved before signatures existed have none)."
    return "Signatures:\n" + "\n".join(f"  \u2022 {s.shown()}" for s in signatures)


class SignDialog(QDialog):
    """Asks what the signature means and the signer's printed name; says it cannot be undone."""

    def __init__(self, number: int, printed_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("signDialog")
        self.setWindowTitle(f"Sign revision {number}")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(
            f"Your signature on revision {number} records your printed name, the date and time, and what it "
            "means. It becomes part of the plan's history and cannot be changed or removed.", "signIntro"))
        form = QFormLayout()
        self.meaning = QComboBox()
        self.meaning.setObjectName("signMeaning")
        self.meaning.setAccessibleName("Meaning of the signature")
        for m in ADDED_MEANINGS:
            self.meaning.addItem(f"{m.label}: I have {m.value} this revision", m.value)
        self.name = QLineEdit(printed_name)
        self.name.setObjectName("signName")
        self.name.setAccessibleName("Printed name")
        self.name.setMaxLength(max_length("revision.author"))
        form.addRow("&Meaning:", self.meaning)
        form.addRow("&Printed name:", self.name)
        layout.addLayout(form)
        self.error = error_label("signError")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        if not self.name.text().strip():
            set_error(self.error, "Type your printed name: it is shown with the signature.")
            return
        self.accept()

    def choice(self) -> tuple[Meaning, str]:
        return Meaning(self.meaning.currentData()), self.name.text().strip()


def ask_signature(parent: QWidget | None, number: int, printed_name: str) -> tuple[Meaning, str] | None:
    """Replaced in tests. The meaning and printed name, or None when the user cancels."""
    dialog = SignDialog(number, printed_name, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _signed(db: Database, patient_id: int, number: int, meaning: Meaning, name: str) -> Outcome[Signature]:
    return Outcome(sign(db, patient_id, number, meaning, printed_name=name), Changes(audit=True))


class SignaturesPanel:
    """The shown revision's signatures (a label) and the Sign… button, for the History window."""

    def __init__(self, parent: QWidget, db: Database, patient_id: int, printed_name: str):
        self.parent, self.db, self.patient_id, self.printed_name = parent, db, patient_id, printed_name
        self.number: int | None = None
        self.label = plain_label("", "revisionSignatures")
        self.label.setAccessibleName("Signatures of this revision")
        self.shown: list[Signature] = []
        runner().changesApplied.connect(self._changes_applied)

    def show_for(self, number: int) -> None:
        self.number = number
        db, pid = self.db, self.patient_id
        QueryOp(self.parent, lambda: signatures_of(db, pid).get(number, [])).success(
            lambda sigs: self._show(number, sigs)).named("history-signatures").run_in_background()

    def _show(self, number: int, signatures: list[Signature]) -> None:
        if number == self.number:
            self.shown = signatures
            self.label.setText(signature_lines(signatures))

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        if (changes.audit or changes.everything) and self.number is not None:
            self.show_for(self.number)

    def sign_selected(self, number: int | None) -> None:
        if number is None:
            return
        chosen = ask_signature(self.parent, number, self.printed_name)
        if chosen is None:
            return
        meaning, name = chosen
        db, pid = self.db, self.patient_id
        CollectionOp(self.parent, lambda: _signed(db, pid, number, meaning, name)).success(
            lambda _sig: self.show_for(number)).failure(self._failed).named("sign").run_in_background()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        dialog_kit.show_error(self.parent, "Nothing was signed", str(error))
