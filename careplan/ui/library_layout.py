"""The layout the clinic's libraries share (Tools > Treatment catalogue, Plan > Templates…).

A list on the left (its filters above, a count below) and the chosen entry on the right (a heading,
what it is, its body, a status line, then the buttons with Close at the far end), side by side in
a splitter neither side can be collapsed away. One place for it, so the two windows look alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careplan.ui.dialog_kit import plain_label

HEADING_SCALE = 1.25


def heading_label(name: str) -> QLabel:
    """The entry's title above its details: larger and bold, so the eye finds which one is shown."""
    heading = plain_label("", name)
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * HEADING_SCALE)
    font.setBold(True)
    heading.setFont(font)
    return heading


def column(parts: Sequence[QWidget | QLayout], *, grows: QWidget, left_margin: int = 0) -> QWidget:
    """One side of the window, top to bottom; `grows` takes the height the others leave."""
    side = QWidget()
    layout = QVBoxLayout(side)
    layout.setContentsMargins(left_margin, 0, 0, 0)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part, 1 if part is grows else 0)
    return side


def button_row(actions: Sequence[QPushButton], close: QPushButton) -> QHBoxLayout:
    """The entry's actions on the left, Close alone on the right."""
    row = QHBoxLayout()
    for button in actions:
        row.addWidget(button)
    row.addStretch(1)
    row.addWidget(close)
    return row


def list_and_entry(window: QDialog, name: str, left: QWidget, right: QWidget, sizes: tuple[int, int]) -> QSplitter:
    """The two sides in the window's splitter (named for tests and saved state)."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName(name)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setSizes(list(sizes))
    splitter.setChildrenCollapsible(False)
    QVBoxLayout(window).addWidget(splitter)
    return splitter
