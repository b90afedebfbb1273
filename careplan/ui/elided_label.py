"""A one-line label that elides long text to its width and shows the whole text in its tooltip.

Used where a laptop's height is too short for a wrapped paragraph (the selected item's catalogue
description): one line costs one line of height at any width, and nothing is lost, because the
whole text is in the tooltip and in the accessible description a screen reader reads.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)  # catalogue and typed texts are shown as written
        self.setWordWrap(False)
        # Takes the width the layout offers, never demands its text's width (that would widen the pane).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def is_elided(self) -> bool:
        return self.text() != self._one_line()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt method name)
        return QSize(self.fontMetrics().horizontalAdvance("M\u2026"), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt method name)
        super().resizeEvent(event)
        self._elide()

    def _one_line(self) -> str:
        return " ".join(self._full.split())  # line breaks would make a second line

    def _elide(self) -> None:
        line = self._one_line()
        margins = self.contentsMargins().left() + self.contentsMargins().right()
        shown = self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, max(self.width() - margins, 0))
        super().setText(shown)
        self.setToolTip(self._full if shown != line else "")
        self.setAccessibleDescription(self._full)
