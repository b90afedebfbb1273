"""Help > Keyboard shortcuts (F1): every shortcut of the window, read from its actions when shown.

Nothing here lists keys by hand: an action added or rebound anywhere appears here as it is, so the
page cannot go stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from careplan.ui.dialog_kit import plain_label


@dataclass(frozen=True)
class ShortcutRow:
    menu: str
    what: str
    keys: str


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("\u2026")


def _keys(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def shortcut_rows(window: QWidget) -> list[ShortcutRow]:
    """Menu by menu in menu order, then any other action of the window that has a shortcut."""
    rows: list[ShortcutRow] = []
    seen: set[int] = set()

    def add(menu: str, action: QAction) -> None:
        if id(action) in seen or action.isSeparator() or action.shortcut().isEmpty() or not action.text():
            return
        seen.add(id(action))
        rows.append(ShortcutRow(menu, _plain(action.text()), _keys(action)))

    if isinstance(window, QMainWindow):
        for top in window.menuBar().actions():
            menu = top.menu()
            if isinstance(menu, QMenu):
                for action in menu.actions():
                    add(_plain(top.text()), action)
    for action in window.findChildren(QAction):
        add("Other", action)
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        for r, row in enumerate(rows):
            for c, text in enumerate((row.menu, row.what, row.keys)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("These keys work wherever the cursor is in the main window, also in a search "
                                     "box or a table. The same keys are shown next to each command in the menus.",
                                     "shortcutsIntro"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 640)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)


def add_help_actions(window: QMainWindow, help_menu: QMenu) -> dict[str, QAction]:
    action = QAction("&Keyboard shortcuts\u2026", window)
    action.setObjectName("actionShortcuts")
    action.setShortcut(QKeySequence.StandardKey.HelpContents)
    action.setShortcutVisibleInContextMenu(True)
    action.setStatusTip("Every keyboard shortcut of CarePlan")

    @Slot()
    def show() -> None:
        ShortcutsDialog(window).open()

    action.triggered.connect(show)
    first = help_menu.actions()[0] if help_menu.actions() else None
    help_menu.insertAction(first, action)  # type: ignore[arg-type]
    if first is not None:
        help_menu.insertSeparator(first)
    return {"shortcuts": action}
