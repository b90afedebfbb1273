"""Restore from the File menu while another CarePlan window has the same database open: refused with
one sentence naming what to do, and this window goes on working on the data it had."""

from __future__ import annotations

import subprocess
import sys

import pytest

from careplan.persistence import presence
from careplan.ui import file_actions
from tests.test_restore_guards import HOLDER
from tests.test_ui_file_menu import mrns, saved_patient

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def test_restore_from_the_menu_is_refused_while_another_window_has_the_database(
        qtbot, make_window, ui_db, answers, tmp_path, monkeypatch):
    saved_patient(ui_db)
    window = make_window()
    out = tmp_path / "backup.sqlite3"
    monkeypatch.setattr(file_actions, "ask_save_file", lambda *_: out)
    window.actions["backup"].trigger()
    settle(qtbot, timeout=15_000)
    saved_patient(ui_db, "P-2")
    other = subprocess.Popen([sys.executable, "-c", HOLDER, str(ui_db.path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == "open\n"
        monkeypatch.setattr(file_actions, "ask_open_file", lambda *_: out)
        monkeypatch.setattr(file_actions, "confirm_restore", lambda *_: True)
        window.actions["restore"].trigger()
        settle(qtbot, timeout=15_000)
        assert answers.errors == [presence.IN_USE]
    finally:
        other.communicate("")
    assert window.isVisible() and mrns(ui_db) == {"P-1", "P-2"}  # this window still works on its data
    assert ui_db.presence is not None and ui_db.presence.held  # and holds the database again
    assert list(ui_db.path.parent.glob("*.replaced-*")) == []
