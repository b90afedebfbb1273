"""Menu items added to the main window's menus by the modules that own them (issue 12's desk work).

Kept apart from main_menus.py so each feature lives in its own module; the main window calls
`extend_menus` once, right after `build_menus`.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from careplan.ui.clinic_dialog import add_clinic_action
from careplan.ui.file_actions import add_file_actions
from careplan.ui.help_page import add_help_actions


def menu_titled(window: QMainWindow, title: str) -> QMenu:
    """The menu-bar menu whose text (without its & mnemonic) is `title`."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == title and isinstance(top.menu(), QMenu):
            return top.menu()  # type: ignore[return-value]
    raise LookupError(f"no {title} menu")


def extend_menus(window: QMainWindow) -> dict[str, QAction]:
    added: dict[str, QAction] = {}
    added |= add_file_actions(window, menu_titled(window, "File"), window.findChild(QAction, "actionQuit"))
    added |= add_help_actions(window, menu_titled(window, "Help"))
    added |= add_clinic_action(window, menu_titled(window, "Tools"), window.db)  # type: ignore[attr-defined]
    return added
