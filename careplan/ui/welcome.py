"""The first page of an empty database: a welcome, and the button that adds the first patient."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


def welcome_page(on_new_patient: Callable[[], None]) -> QWidget:
    """Shown while there are no patients: what CarePlan is for and how to start."""
    page = QWidget()
    page.setObjectName("emptyState")
    page.setAccessibleName("Getting started")
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    text = QLabel(
        "<h2>Welcome to CarePlan</h2>"
        "<p>There are no patients yet. Add the first one to start building their care plan:<br>"
        "choose <b>Patient &gt; New patient</b> (Ctrl+N) or the button below.</p>"
        "<p>To try CarePlan with made-up patients first, run <code>careplan demo</code> in a terminal.</p>"
    )
    text.setObjectName("emptyStateText")
    text.setAlignment(Qt.AlignmentFlag.AlignCenter)
    text.setWordWrap(True)
    layout.addWidget(text)
    button = QPushButton("Add the first patient\u2026")
    button.setObjectName("emptyNewPatient")
    button.setAccessibleName("Add the first patient")
    button.clicked.connect(on_new_patient)
    layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addStretch(2)
    return page
