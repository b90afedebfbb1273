"""Where the app remembers things between runs (window layout, the coordinator's name).

CAREPLAN_SETTINGS_DIR points the settings at an INI file in that folder, so tests and
portable installs never touch the user's real settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

SETTINGS_DIR_ENV = "CAREPLAN_SETTINGS_DIR"


def make_settings() -> QSettings:
    folder = os.environ.get(SETTINGS_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "careplan.ini"), QSettings.Format.IniFormat)
    return QSettings()


def save_window(settings: QSettings, key: str, window: QMainWindow, splitters: dict[str, QSplitter]) -> None:
    settings.setValue(f"{key}/geometry", window.saveGeometry())
    settings.setValue(f"{key}/state", window.saveState())
    for name, splitter in splitters.items():
        # A splitter not on screen (the list behind the welcome page, the plan with no patient open)
        # has no sizes worth keeping: saving them gave the next start a patient list 0 pixels wide.
        if splitter.isVisible():
            settings.setValue(f"{key}/splitter_{name}", splitter.saveState())
    settings.sync()


def restore_window(settings: QSettings, key: str, window: QMainWindow, splitters: dict[str, QSplitter]) -> set[str]:
    """Put the window back as it was; returns what was remembered ("geometry", splitter names)."""
    restored: set[str] = set()
    geometry = settings.value(f"{key}/geometry")
    if isinstance(geometry, QByteArray | bytes) and window.restoreGeometry(geometry):
        restored.add("geometry")
    state = settings.value(f"{key}/state")
    if isinstance(state, QByteArray | bytes):
        window.restoreState(state)
    for name, splitter in splitters.items():
        value = settings.value(f"{key}/splitter_{name}")
        if isinstance(value, QByteArray | bytes) and splitter.restoreState(value):
            restored.add(name)
    return restored
