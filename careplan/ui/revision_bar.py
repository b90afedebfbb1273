"""A bar above the plan: someone else saved this plan while it was open with unsaved edits.

Not a dialog: the coordinator keeps typing. The edits stay as they are; saving them goes through
the usual conflict step, which shows both sides and puts the edits on top of the new revision.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from careplan.ui.form_fields import named


class RevisionBar(QFrame):
    reviewRequested = Signal()  # noqa: N815 (Qt signal naming)
    """The user wants to see what the other save changed (the plan's history)."""

    def __init__(self) -> None:
        super().__init__()
        named(self, "revisionBar", "The plan was saved elsewhere")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.yellow)
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Window).lighter(170))
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.black)
        self.setPalette(palette)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.text = QLabel()
        self.text.setObjectName("revisionBarText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # names are shown as typed, never as markup
        self.text.setWordWrap(True)
        layout.addWidget(self.text, 1)
        self.review = QPushButton("&Review their changes")
        named(self.review, "revisionBarReview", "Review their changes")
        self.review.setAutoDefault(False)
        self.review.clicked.connect(self.reviewRequested)
        layout.addWidget(self.review)
        self.dismiss = QPushButton("Hide")
        named(self.dismiss, "revisionBarHide", "Hide this message")
        self.dismiss.setAutoDefault(False)
        self.dismiss.clicked.connect(self.hide)
        layout.addWidget(self.dismiss)
        self.hide()

    def show_saved_elsewhere(self, author: str, number: int) -> None:
        who = author or "Someone"
        self.text.setText(f"{who} saved revision {number} of this plan \u2014 your edits are kept. "
                          "Review their changes; saving will show both and put your edits on top.")
        self.show()
