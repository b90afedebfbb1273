"""Small pieces the secondary windows share: message boxes tests can replace, dates, labels, buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Tests replace this to read the message instead of clicking a box away."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def show_info(parent: QWidget | None, title: str, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("infoBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def ask_yes_no(parent: QWidget | None, title: str, question: str, yes: str, no: str = "Cancel", *,
               destructive: bool = False) -> bool:
    """True when `yes` is clicked. A destructive `yes` (throwing work away) is never the default:
    Enter, pressed by habit, then keeps what the user has."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("questionBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button if destructive else yes_button)
    box.exec()
    return box.clickedButton() is yes_button


def local_time(moment: datetime, *, clock_only: bool = False) -> str:
    """A stored UTC moment in the computer's time zone, e.g. '3 Mar 2025, 14:05' (or '14:05').

    The ui's only formatter of moments: every screen says times the same way.
    """
    local = moment.astimezone()
    return f"{local:%H:%M}" if clock_only else f"{local.day} {local:%b %Y, %H:%M}"


def local_day(d: date | None, empty: str = "Not set") -> str:
    return f"{d.day} {d:%b %Y}" if d else empty


def plain_label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    """A label that shows typed text literally: '<b>' stays '<b>', never bold."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
        label.setAccessibleName(name)
    return label


def error_label(name: str) -> QLabel:
    """Hidden until a problem is found; then red, plain, next to the field it names."""
    label = plain_label("", name)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
    label.setPalette(palette)
    label.hide()
    return label


def set_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


def row_table(model: QAbstractItemModel, name: str, accessible: str,
              selection: QAbstractItemView.SelectionMode = QAbstractItemView.SelectionMode.SingleSelection) -> QTableView:
    """A read-only table of whole rows with fixed row heights: the view never measures every row."""
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(selection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    rows = table.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to width x height, or to 90% of the screen where that is smaller."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        avail = screen.availableGeometry()
        width, height = min(width, int(avail.width() * 0.9)), min(height, int(avail.height() * 0.9))
    window.resize(width, height)


def window_button(window: QWidget, text: str, name: str, slot: Callable[[], object],
                  shortcut: str | None = None) -> QPushButton:
    """A button named for tests and screen readers (its text without the & and the ellipsis).

    Never the dialog's default, so Enter in a field does not press it. A shortcut is the
    window's rather than the button's own, so the button keeps its Alt+letter when its text changes,
    and the key does nothing while the button is disabled.
    """
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.replace("&", "").rstrip("\u2026"))
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    if shortcut:
        QShortcut(QKeySequence(shortcut), window, activated=lambda: button.isEnabled() and button.click())
        button.setToolTip(f"{button.accessibleName()} ({shortcut})")
    return button
