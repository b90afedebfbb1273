"""One guideline prompt as a line of the prompts strip: title, triggers, Why?, Accept and Dismiss….

Every text here comes from the rules file, the course or a catalogue, so every label shows it as
written (Qt.TextFormat.PlainText), never as markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from careplan.services.prompts import Prompt, Trigger
from careplan.ui.dialog_kit import local_day, plain_label
from careplan.ui.form_fields import named


def plain_tip(text: str) -> str:
    """A tooltip that shows `text` as written: Qt guesses tooltips with tags are rich text."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def trigger_text(t: Trigger) -> str:
    return f"{t.what} {t.value}" + (f" ({local_day(t.on)})" if t.on else "")


def triggers_text(prompt: Prompt) -> str:
    return "Because: " + ("; ".join(trigger_text(t) for t in prompt.triggered_by) or "the rule's condition holds")


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when the row is too narrow; the tooltip has it all."""

    def __init__(self, text: str, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)  # rule files and values are shown as written, never as markup
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setAccessibleName(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.fontMetrics().horizontalAdvance("M") * 4, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self.full_text) + 4, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.width()))


class PromptCard(QFrame):
    """One open prompt on one line: its title, what triggered it, Why? (rationale and source), and
    the two decisions. One line each, so the plan below keeps its rows on a laptop screen."""

    acceptRequested = Signal(str)  # noqa: N815 (Qt signal naming)
    """Accept was pressed: the rule's code."""
    dismissRequested = Signal(str)  # noqa: N815 (Qt signal naming)
    """Dismiss… was pressed: the rule's code."""

    def __init__(self, prompt: Prompt, suggests: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.prompt = prompt
        self.setObjectName(f"promptCard_{prompt.rule}")
        self.setAccessibleName(f"Guideline prompt: {prompt.title}")
        self.title = ElidedLabel(prompt.title, "promptTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.because = ElidedLabel(triggers_text(prompt), "promptTriggers")
        adds = ", ".join(suggests) or "nothing new: the suggested items are already in the plan"
        self.details = plain_label(f"Why: {prompt.rationale}\nSource: {prompt.source}\nAccept adds: {adds}",
                                   "promptDetails")
        self.details.setContentsMargins(12, 0, 0, 4)
        self.details.hide()
        self.why = QToolButton()
        self.why.setText("Why?")
        named(self.why, "promptWhy", f"Why and source: {prompt.title}")
        self.why.setCheckable(True)
        self.why.toggled.connect(self.details.setVisible)
        self.accept = QToolButton()
        self.accept.setText("Accept")
        named(self.accept, "promptAccept", f"Accept: {prompt.title}", f"Adds {adds} to the working plan")
        self.dismiss = QToolButton()
        self.dismiss.setText("Dismiss\u2026")
        named(self.dismiss, "promptDismiss", f"Dismiss: {prompt.title}")
        self.accept.clicked.connect(lambda: self.acceptRequested.emit(prompt.rule))
        self.dismiss.clicked.connect(lambda: self.dismissRequested.emit(prompt.rule))
        tip = f"{prompt.title}\n{triggers_text(prompt)}\n\nWhy: {prompt.rationale}\nSource: {prompt.source}"
        for label in (self.title, self.because):
            label.setToolTip(plain_tip(tip))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title)  # as wide as its words; the triggers take the rest
        row.addSpacing(self.fontMetrics().horizontalAdvance("MM"))
        row.addWidget(self.because, 1)
        for w in (self.why, self.accept, self.dismiss):
            row.addWidget(w)
        self.row = row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.details)

    def show_state(self, accepted: bool, read_only: str | None) -> None:
        """Accepted in the working plan (not saved yet), or read-only: the row and its buttons say so."""
        self.because.set_full_text("Accepted: save the plan to record it (Ctrl+Z takes the items out)" if accepted
                                   else triggers_text(self.prompt))
        for button in (self.accept, self.dismiss):
            button.setVisible(not accepted)
            button.setEnabled(read_only is None)
            button.setToolTip(read_only or "")

    def line_height(self) -> int:
        """The card's height with Why? closed: one line of title, triggers and buttons."""
        return self.row.sizeHint().height()

    @property
    def pending(self) -> bool:
        return not self.accept.isVisibleTo(self)
