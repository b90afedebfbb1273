"""History (issue 12): Open shows the chosen revision in its own window, and any revision can be
printed or exported, the printout naming its revision."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.ui import export, export_dialog, print_settings
from careplan.ui.revision_window import RevisionWindow
from tests.test_ui_windows import ACTOR, open_history, pdf_text, select_revisions, tree_rows
from tests.uib_fixtures import three_revisions

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def test_open_shows_the_selected_revision_in_its_own_window(qtbot, sqlite_db: Database) -> None:
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 2)
    settle(qtbot)
    qtbot.mouseClick(w.open_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    shown = [x for x in QApplication.topLevelWidgets() if isinstance(x, RevisionWindow) and x.isVisible()]
    assert len(shown) == 1
    window = shown[0]
    assert window.revision.number == 2 and "Revision 2" in window.windowTitle()
    assert "Revision 2" in window.heading.text() and "Read only" in window.heading.text()
    rows = tree_rows(window.view)
    assert ("Reason", "Review after falls") in rows and ("Treatment 004", "Planned") in rows
    assert not any(r[0] == "Treatment 003" for r in rows)  # removed in revision 2


def test_export_and_print_an_older_revision_from_history(qtbot, sqlite_db: Database, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    plan = three_revisions(sqlite_db)
    revealed: list[Path] = []
    monkeypatch.setattr(export, "reveal_folder", revealed.append)
    asked: list[int] = []

    def where(_parent: object, suggested: Path, number: int) -> export_dialog.PrintoutChoice:
        asked.append(number)
        return export_dialog.PrintoutChoice(tmp_path / suggested.name, False, "a4")

    monkeypatch.setattr(export_dialog, "ask_export_options", where)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 1)
    settle(qtbot)
    qtbot.mouseClick(w.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(revealed), timeout=15_000)
    assert asked == [1] and revealed[0].name == "careplan-UIB-001-r1.pdf"
    text = pdf_text(revealed[0])
    assert "revision 1" in text and "Treatment 003" in text and "Sleep better" not in text

    # Print: at once, with the remembered choices, of revision 2 this time; Ctrl+P in the history does it too.
    print_settings.remember("a4", True)
    printed: list[Path] = []

    def send(_parent: object, printer, paint) -> bool:  # type: ignore[no-untyped-def]
        from PySide6.QtPrintSupport import QPrinter

        out = tmp_path / f"printed-{len(printed)}.pdf"
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        paint(printer)
        printed.append(out)
        return True

    monkeypatch.setattr(export, "send_to_printer", send)
    select_revisions(w, 2)
    settle(qtbot)
    w.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, timeout=15_000)
    assert len(printed) == 1
    event = audit.list_events(sqlite_db, mrn=plan.mrn, limit=1)[0]
    assert (event.action, event.revision, event.details["purpose"], event.details["large_print"]) == (
        "pdf.exported", 2, "print", True)
    assert event.actor == ACTOR


def test_print_and_export_need_exactly_one_revision(qtbot, sqlite_db: Database) -> None:
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 1, 2)
    settle(qtbot)
    assert not w.print_button.isEnabled() and not w.export_button.isEnabled() and not w.open_button.isEnabled()
    select_revisions(w, 3)
    settle(qtbot)
    assert w.print_button.isEnabled() and w.export_button.isEnabled()
