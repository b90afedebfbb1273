"""Tools > Clinic details…: set once in the app, the same settings `careplan settings` shows, checked
the same way; a bad value is named in the dialog and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from careplan.domain.clinic import CLINIC_FIELD_MAX
from careplan.services.clinic_settings import load_clinic_settings, save_clinic_settings
from careplan.ui.clinic_dialog import ClinicDialog

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def open_from_menu(qtbot: Any, window: Any) -> ClinicDialog:
    window.findChild(QAction, "actionClinicDetails").trigger()
    shown = [d for d in window.findChildren(ClinicDialog) if d.isVisible()]
    assert len(shown) == 1
    dialog = shown[0]
    settle(qtbot)
    return dialog


def type_into(qtbot: Any, dialog: ClinicDialog, field: str, text: str) -> None:
    edit = dialog.edits[field]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    edit.insert(text)  # typed text, as keyClicks would, without a key event per character


def test_clinic_details_are_set_in_the_app_and_shown_by_the_cli(qtbot, make_window, ui_db):
    save_clinic_settings(ui_db, name="Old name", phone="020 7946 0000")
    window = make_window()
    dialog = open_from_menu(qtbot, window)
    assert dialog.edits["name"].text() == "Old name" and dialog.edits["phone"].text() == "020 7946 0000"
    type_into(qtbot, dialog, "name", "Northfield ALS & <b>MND</b> clinic 😀")
    type_into(qtbot, dialog, "out_of_hours", "0300 555 0199")
    type_into(qtbot, dialog, "address", "1 Hospital Road\nNorthfield")
    type_into(qtbot, dialog, "phone", "")  # an empty field clears it
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed (and deleted once closed)
    saved = load_clinic_settings(ui_db)
    assert saved.name == "Northfield ALS & <b>MND</b> clinic 😀"  # stored as typed, escaped only on paper
    assert (saved.phone, saved.out_of_hours) == ("", "0300 555 0199")
    # Opened again, it shows what was saved.
    again = open_from_menu(qtbot, window)
    assert again.values() == saved.to_dict()


@pytest.mark.parametrize(("field", "text", "words"), [
    ("phone", "9" * (CLINIC_FIELD_MAX + 1), "clinic phone number is 201 characters long"),
    ("address", "1 Road\x07", "clinic address contains control characters"),
])
def test_a_bad_value_is_named_and_nothing_is_saved(qtbot, make_window, ui_db, field, text, words):
    save_clinic_settings(ui_db, name="Kept", phone="020 7946 0000")
    before = load_clinic_settings(ui_db)
    dialog = open_from_menu(qtbot, make_window())
    type_into(qtbot, dialog, "name", "Changed")
    type_into(qtbot, dialog, field, text)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert dialog.isVisible() and dialog.problem.isVisible()
    assert words in dialog.problem.text()
    assert load_clinic_settings(ui_db) == before  # all or nothing: the good name was not saved either
    assert dialog.save_button.isEnabled()  # fix it and save again
