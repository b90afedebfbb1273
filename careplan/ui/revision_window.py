"""One saved revision in its own read-only window (History > Open), with Print and Export PDF of
exactly that revision: any revision can be printed, and the printout says which one it is."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from careplan.domain.patient import Patient
from careplan.domain.plan import Revision
from careplan.persistence.engine import Database
from careplan.ui import export
from careplan.ui.dialog_kit import local_time, plain_label
from careplan.ui.history_views import RevisionView


def print_revision(parent: QWidget, db: Database, patient_id: int, actor: str, number: int) -> None:
    """Printed at once with the remembered paper and print size, as Ctrl+P does in the main window."""
    export.print_plan(parent, db, patient_id, actor, revision=number, one_step=True)


def export_revision(parent: QWidget, db: Database, patient_id: int, actor: str, number: int) -> None:
    export.export_pdf(parent, db, patient_id, actor, revision=number)


def revision_buttons(parent: QWidget, number: Callable[[], int | None], db: Database, patient_id: int,
                     actor: str) -> tuple[QPushButton, QPushButton]:
    """Print and Export PDF buttons for the revision `number()` names, with Ctrl+P and Ctrl+E in `parent`."""
    def act(go: Callable[[QWidget, Database, int, str, int], None]) -> Callable[[], None]:
        def run() -> None:
            n = number()
            if n is not None:
                go(parent, db, patient_id, actor, n)
        return run

    made = []
    for text, name, key, go in (("&Print this revision", "revisionPrint", QKeySequence.StandardKey.Print, print_revision),
                                ("&Export PDF of this revision\u2026", "revisionExport", "Ctrl+E", export_revision)):
        b = QPushButton(text)
        b.setObjectName(name)
        b.setAccessibleName(text.replace("&", "").rstrip("\u2026"))
        b.setAutoDefault(False)
        b.clicked.connect(act(go))
        shortcut = QShortcut(QKeySequence(key), parent)
        shortcut.activated.connect(lambda b=b: b.isEnabled() and b.click())
        b.setToolTip(f"{b.accessibleName()} ({QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)})")
        made.append(b)
    return made[0], made[1]


class RevisionWindow(QDialog):
    def __init__(self, db: Database, patient: Patient, rev: Revision, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        assert patient.id is not None
        self.revision = rev
        self.setObjectName("revisionWindow")
        self.setWindowTitle(f"Revision {rev.number} \u2014 {patient.full_name} ({patient.mrn})")
        self.setAccessibleName(self.windowTitle())
        self.heading = plain_label(f"Revision {rev.number} of {patient.full_name}'s plan, saved "
                                   f"{local_time(rev.created_at)} by {rev.author}. Read only: restoring it "
                                   "(in History) saves it again as a new revision.", "revisionWindowHeading")
        self.view = RevisionView()
        self.view.show_revision(rev)
        self.print_button, self.export_button = revision_buttons(self, lambda: rev.number, db, patient.id, actor)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(900, 640)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
