"""The File menu (issue 12): one-step Print with remembered choices, Print options, and backup,
restore, export and import of the clinic's data, on a real SQLite file through the real window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PySide6.QtPrintSupport import QPrinter

from careplan.persistence.engine import open_database
from careplan.services import audit, patients
from careplan.services import plans as plan_service
from careplan.services.catalogue import sync_catalogue
from careplan.ui import dialog_kit, export, export_dialog, file_actions, print_settings
from tests.uib_fixtures import content, plan_item

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import new_patient, press, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def saved_patient(db: Any, mrn: str = "P-1") -> Any:
    p = new_patient(db, mrn)
    plan_service.save_revision(db, p.id, base_revision=0, content=content([plan_item(1)]), author="t",
                               reason="First plan")
    return p


def mrns(db: Any) -> set[str]:
    return {p.mrn for p in patients.search_patients(db)}


def printer_to(out: Path, calls: list[str], name: str) -> Any:
    def send(_parent: object, printer: QPrinter, paint: Any) -> bool:
        calls.append(name)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(100)
        paint(printer)
        return True
    return send


def test_ctrl_p_prints_at_once_with_the_choices_made_last(qtbot, make_window, ui_db, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt

    p = saved_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    calls: list[str] = []
    monkeypatch.setattr(export, "send_to_printer", printer_to(tmp_path / "direct.pdf", calls, "printer"))
    monkeypatch.setattr(export, "run_print_preview", printer_to(tmp_path / "preview.pdf", calls, "preview"))

    # File > Print options…: the real dialog, set to Letter and large print, then the preview.
    def choose(dialog: export_dialog.PrintoutDialog) -> None:
        dialog.paper.setCurrentIndex(dialog.paper.findData("letter"))
        dialog.large_print.setChecked(True)
        dialog._accept()

    from tests.test_ui_windows import when_modal

    when_modal(qtbot, export_dialog.PrintoutDialog, choose)
    window.actions["print_options"].trigger()
    settle(qtbot, timeout=15_000)
    assert calls == ["preview"]
    assert print_settings.remembered() == ("letter", True)

    # Ctrl+P from the patient search box: no dialog at all, straight to the printer, with those choices.
    monkeypatch.setattr(export_dialog, "ask_print_options", lambda *_: pytest.fail("Ctrl+P asked for options"))
    window.patients.search.setFocus()
    press(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, timeout=15_000)
    assert calls == ["preview", "printer"]
    with pymupdf.open(str(tmp_path / "direct.pdf")) as doc:
        assert round(doc[0].rect.width) == 612  # US Letter
    event = audit.list_events(ui_db, limit=1)[0]
    assert (event.action, event.details["purpose"], event.details["large_print"], event.details["paper"]) == (
        "pdf.exported", "print", True, "letter")
    assert "US Letter, large print" in window.statusBar().currentMessage()


def test_export_dialog_starts_with_the_remembered_choices(qtbot):
    print_settings.remember("letter", True)
    dialog = export_dialog.PrintoutDialog(None, title="Export PDF", intro="", suggested=Path("/tmp/x.pdf"))
    qtbot.addWidget(dialog)
    assert dialog.paper.currentData() == "letter" and dialog.large_print.isChecked()


def test_backup_then_restore_from_the_file_menu(qtbot, make_window, ui_db, answers, tmp_path, monkeypatch):
    saved_patient(ui_db)
    window = make_window()
    out = tmp_path / "backup.sqlite3"
    monkeypatch.setattr(file_actions, "ask_save_file", lambda *_: out)
    window.actions["backup"].trigger()
    settle(qtbot, timeout=15_000)
    assert out.is_file() and answers.errors == []
    assert "Backed up 1 patients" in window.statusBar().currentMessage()
    assert audit.list_events(ui_db, limit=1)[0].action == "database.backup"

    # A second patient saved after the backup: restoring would lose them, so it is refused, with a reason.
    saved_patient(ui_db, "P-2")
    monkeypatch.setattr(file_actions, "ask_open_file", lambda *_: out)
    monkeypatch.setattr(file_actions, "confirm_restore", lambda *_: True)
    window.actions["restore"].trigger()
    settle(qtbot, timeout=15_000)
    assert len(answers.errors) == 1 and "does not have" in answers.errors[0] and "Nothing was changed" in answers.errors[0]
    assert mrns(ui_db) == {"P-1", "P-2"}


def test_restore_puts_the_backup_in_place_and_closes(qtbot, make_window, ui_db, answers, tmp_path, monkeypatch):
    saved_patient(ui_db)
    window = make_window()
    out = tmp_path / "backup.sqlite3"
    monkeypatch.setattr(file_actions, "ask_save_file", lambda *_: out)
    window.actions["backup"].trigger()
    settle(qtbot, timeout=15_000)
    told: list[str] = []
    monkeypatch.setattr(dialog_kit, "show_info", lambda _p, title, text: told.append(text))
    monkeypatch.setattr(file_actions, "ask_open_file", lambda *_: out)
    monkeypatch.setattr(file_actions, "confirm_restore", lambda *_: True)
    monkeypatch.setattr("PySide6.QtWidgets.QApplication.quit", lambda *a: None)  # the test's app keeps running
    window.actions["restore"].trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)
    assert answers.errors == [] and told and "Restored" in told[0] and "kept at" in told[0]
    assert "Start it again" in told[0]
    again = open_database(str(ui_db.path))
    try:
        assert mrns(again) == {"P-1"}
        assert audit.list_events(again, limit=1)[0].action == "database.restored"
    finally:
        again.dispose()


def test_export_then_import_into_another_database(qtbot, make_window, ui_db, answers, tmp_path, monkeypatch):
    saved_patient(ui_db, "P-9")
    window = make_window()
    out = tmp_path / "all.json"
    monkeypatch.setattr(file_actions, "ask_save_file", lambda *_: out)
    window.actions["export_data"].trigger()
    settle(qtbot, timeout=15_000)
    assert json.loads(out.read_text())["patients"][0]["mrn"] == "P-9"
    assert "Exported 1 patients" in window.statusBar().currentMessage()

    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    sync_catalogue(other)
    second = make_window(other)
    told: list[str] = []
    monkeypatch.setattr(dialog_kit, "show_info", lambda _p, title, text: told.append(text))
    monkeypatch.setattr(file_actions, "ask_open_file", lambda *_: out)
    second.actions["import_data"].trigger()
    settle(qtbot, timeout=15_000)
    assert told and "1 patients added" in told[0]
    qtbot.waitUntil(lambda: second.patients.model.total == 1, timeout=5000)  # the list follows the import
    assert plan_service.load_plan(other, patients.get_patient_by_mrn(other, "P-9").id).number == 1
    second._closing = True
    second.close()
    other.dispose()


@pytest.mark.parametrize("text", ["", "{not json", '{"format": "something else"}', "\u202eRTL <b>&"])
def test_a_bad_import_file_is_named_and_changes_nothing(qtbot, make_window, ui_db, answers, tmp_path,
                                                        monkeypatch, text):
    window = make_window()
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setattr(file_actions, "ask_open_file", lambda *_: bad)
    before = len(audit.list_events(ui_db))
    window.actions["import_data"].trigger()
    settle(qtbot, timeout=15_000)
    assert len(answers.errors) == 1 and "bad.json" in answers.errors[0]
    assert mrns(ui_db) == set() and len(audit.list_events(ui_db)) == before


def test_every_file_action_asks_the_name_first(qtbot, make_window, ui_db, answers, monkeypatch):
    from tests.ui_fixtures import CANCEL

    window = make_window(name=None)
    monkeypatch.setattr(file_actions, "ask_save_file", lambda *_: pytest.fail("asked for a file before the name"))
    monkeypatch.setattr(file_actions, "ask_open_file", lambda *_: pytest.fail("asked for a file before the name"))
    answers.name = CANCEL
    for key in ("backup", "restore", "export_data", "import_data"):
        window.actions[key].trigger()
    assert answers.asked == ["name"] * 4
