"""The secondary windows, driven like a coordinator would, on a real SQLite database:
catalogue, history, audit log, PDF export and printing.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QProgressDialog,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
)

from careplan.domain.diff import diff_contents
from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services import audit, catalogue, plans, printing
from careplan.ui import (
    catalogue_window,
    db_guard,
    dialog_kit,
    export,
    export_dialog,
    history_window,
    pdf_pages,
    restore_dialog,
)
from careplan.ui.audit_window import PAGE, AuditWindow
from careplan.ui.catalogue_window import CatalogueWindow
from careplan.ui.history_views import DiffView
from careplan.ui.history_window import HistoryWindow
from careplan.ui.operations import QueryOp
from tests.history_builders import make_patient, save_history
from tests.uib_fixtures import (
    PATIENT_NAME,
    add_patient,
    content,
    many_items,
    plan_item,
    three_revisions,
)

ACTOR = "nurse.jo"
pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import settle  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]  # the GUI-thread database guard, checked after every test


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Messages the windows would have shown in a box, as (title, text)."""
    seen: list[tuple[str, str]] = []

    def record(_parent: object, title: str, message: str) -> None:
        seen.append((title, message))

    for module in (dialog_kit, catalogue_window, history_window):
        monkeypatch.setattr(module, "show_error", record, raising=False)
    monkeypatch.setattr(dialog_kit, "show_info", record)
    return seen


@pytest.fixture
def discard_answers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Answers to 'discard your changes?', used in order; True once they run out."""
    answers: list[bool] = []
    monkeypatch.setattr(catalogue_window, "confirm_discard", lambda *_: answers.pop(0) if answers else True)
    return answers


@pytest.fixture
def cat_db(sqlite_db: Database) -> Database:
    catalogue.sync_catalogue(sqlite_db)
    return sqlite_db


def open_catalogue(qtbot, db: Database) -> CatalogueWindow:  # type: ignore[no-untyped-def]
    db_guard.install(db)
    w = CatalogueWindow(db, ACTOR)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()  # shortcuts only reach the active window
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    settle(qtbot)
    return w


def visible_items(w: CatalogueWindow) -> list:  # type: ignore[type-arg]
    return [w.model.item_at(r) for r in range(w.model.rowCount())]


def select_code(qtbot, w: CatalogueWindow, code: str) -> None:  # type: ignore[no-untyped-def]
    row = w.model.row_of(code)
    assert row >= 0, code
    w.table.selectRow(row)
    assert w.form.code.text() == code
    settle(qtbot)


# --- catalogue ---------------------------------------------------------------------------------

def test_catalogue_search_and_discipline_filter(qtbot, cat_db: Database) -> None:  # type: ignore[no-untyped-def]
    w = open_catalogue(qtbot, cat_db)
    total = len(catalogue.list_items(cat_db, include_retired=True))
    assert w.model.rowCount() == total and w.count.text() == f"Showing {total} of {total} items"
    qtbot.keyClicks(w.search, "COUGH")
    settle(qtbot)
    found = visible_items(w)
    assert found and all("cough" in " ".join((i.title, i.caregiver_instructions, i.clinical_description)).lower()
                         for i in found)
    w.discipline.setCurrentIndex(w.discipline.findText("Respiratory care"))
    assert visible_items(w) and {i.discipline.label for i in visible_items(w)} == {"Respiratory care"}
    assert len(visible_items(w)) <= len(found)
    qtbot.keyClicks(w.search, " zebra-crossing")
    settle(qtbot)
    assert w.model.rowCount() == 0
    assert w.empty.isVisible() and "No items match" in w.empty.text()
    w.search.clear()
    w.discipline.setCurrentIndex(0)
    assert w.model.rowCount() == total and not w.empty.isVisible()


def test_retire_and_bring_back_an_item(qtbot, cat_db: Database, discard_answers: list[bool]) -> None:  # type: ignore[no-untyped-def]
    w = open_catalogue(qtbot, cat_db)
    item = w.model.item_at(2)
    assert item is not None and item.active
    select_code(qtbot, w, item.code)
    with qtbot.waitSignal(w.catalogueChanged):
        qtbot.mouseClick(w.retire_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
    assert not catalogue.get_item(cat_db, item.code).active
    row = w.model.row_of(item.code)
    title_cell = w.model.index(row, 0)
    assert title_cell.data() == f"{item.title} (retired)"
    grey = QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert title_cell.data(Qt.ItemDataRole.ForegroundRole) == grey
    assert title_cell.data(Qt.ItemDataRole.FontRole).italic()
    assert w.retire_button.text().replace("&", "") == "Bring back item"
    assert "no longer offered" in w.status.text()
    assert f"Last edited by {ACTOR}" in w.edited_line.text()
    assert item.code not in {i.code for i in catalogue.list_items(cat_db)}  # gone from new plans

    w.show_retired.setChecked(False)
    settle(qtbot)
    assert w.model.row_of(item.code) == -1
    w.show_retired.setChecked(True)
    settle(qtbot)
    select_code(qtbot, w, item.code)
    with qtbot.waitSignal(w.catalogueChanged):
        qtbot.keyClick(w, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # the keyboard path
        settle(qtbot)
    assert catalogue.get_item(cat_db, item.code).active
    assert w.model.index(w.model.row_of(item.code), 0).data() == item.title
    actions = [e.action for e in audit.list_events(cat_db, limit=2)]
    assert actions == ["catalogue.reactivated", "catalogue.retired"]


def test_add_custom_item_refuses_bad_input_then_keeps_text_literally(  # type: ignore[no-untyped-def]
        qtbot, cat_db: Database, discard_answers: list[bool]) -> None:
    w = open_catalogue(qtbot, cat_db)
    before = len(catalogue.list_items(cat_db, include_retired=True))
    qtbot.mouseClick(w.new_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert w.save_button.text().replace("&", "") == "Add item" and not w.form.code.isReadOnly()

    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)  # everything empty
    settle(qtbot)
    for field in ("code", "title", "caregiver_instructions"):
        assert w.form.errors[field].isVisible(), field
    assert "Enter a title" in w.form.errors["title"].text()
    assert "cannot be empty" in w.form.errors["caregiver_instructions"].text()
    assert "fix the marked fields" in w.status.text()

    qtbot.keyClicks(w.form.title, "Hand massage")
    settle(qtbot)
    assert w.form.code.text() == "clinic_hand_massage"  # suggested from the title
    w.form.caregiver_instructions.setPlainText("x" * 10_001)
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert "10,001 characters" in w.form.errors["caregiver_instructions"].text()
    assert not w.form.errors["title"].isVisible() and not w.form.errors["code"].isVisible()
    assert len(catalogue.list_items(cat_db, include_retired=True)) == before

    title = "Hand massage <b>gentle</b> & calm 🙂"
    instructions = "اغسل اليدين ثم دلّك الأصابع برفق <i>&amp;</i>"
    w.form.title.setText(title)
    settle(qtbot)
    w.form.caregiver_instructions.setPlainText(instructions)
    w.form.safety_notes.setPlainText("Stop if the skin is red & sore.")
    w.form.discipline.setCurrentIndex(w.form.discipline.findData("occupational_therapy"))
    w.form.role.setCurrentIndex(w.form.role.findData("occupational_therapist"))
    with qtbot.waitSignal(w.catalogueChanged):
        qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot)
    saved = catalogue.get_item(cat_db, "clinic_hand_massage")
    assert (saved.title, saved.caregiver_instructions, saved.custom) == (title, instructions, True)
    assert saved.discipline.value == "occupational_therapy" and saved.role.value == "occupational_therapist"
    assert w.heading.text() == title  # a plain-text label: no bold, the tags show
    assert w.heading.textFormat() == Qt.TextFormat.PlainText
    assert w.model.index(w.model.row_of(saved.code), 0).data() == title
    assert "Added by the clinic" in w.edited_line.text() and f"Last edited by {ACTOR}" in w.edited_line.text()
    assert not any(e.isVisible() for e in w.form.errors.values())

    w._start_adding()
    settle(qtbot)
    w.form.title.setText("Another")
    settle(qtbot)
    w.form.code.setText("clinic_hand_massage")
    settle(qtbot)
    w.form.caregiver_instructions.setPlainText("Something")
    w._save()
    settle(qtbot)
    assert "already used" in w.form.errors["code"].text()


def test_edit_records_who_and_when_and_asks_before_dropping_changes(  # type: ignore[no-untyped-def]
        qtbot, cat_db: Database, discard_answers: list[bool]) -> None:
    w = open_catalogue(qtbot, cat_db)
    first, second = w.model.item_at(0), w.model.item_at(1)
    assert first is not None and second is not None
    select_code(qtbot, w, first.code)
    assert "Not edited here yet" in w.edited_line.text()
    assert not w.save_button.isEnabled()
    w.form.title.selectAll()
    qtbot.keyClicks(w.form.title, "Daily stretches (clinic words)")
    settle(qtbot)
    assert w.save_button.isEnabled()

    discard_answers.append(False)  # "Keep editing"
    w.table.selectRow(w.model.row_of(second.code))
    settle(qtbot)
    assert w.form.code.text() == first.code and w.form.title.text() == "Daily stretches (clinic words)"

    w.form.caregiver_instructions.setPlainText("")
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert "cannot be empty" in w.form.errors["caregiver_instructions"].text()
    assert catalogue.get_item(cat_db, first.code).title == first.title
    w.form.caregiver_instructions.setPlainText(first.caregiver_instructions + " Breathe out as you stretch.")
    with qtbot.waitSignal(w.catalogueChanged):
        qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
    stored = catalogue.get_item(cat_db, first.code)
    assert stored.title == "Daily stretches (clinic words)"
    assert stored.caregiver_instructions.endswith("Breathe out as you stretch.")
    event = audit.list_events(cat_db, limit=1)[0]
    assert (event.action, event.actor, event.entity_key) == ("catalogue.edited", ACTOR, first.code)
    assert set(event.details["fields"]) == {"title", "caregiver_instructions"}
    assert f"Last edited by {ACTOR} on {dialog_kit.local_time(event.at)}" in w.edited_line.text()

    w.form.title.setText("Changed again")
    settle(qtbot)
    w.form._changed()
    discard_answers.append(True)
    w.table.selectRow(w.model.row_of(second.code))
    settle(qtbot)
    assert w.form.code.text() == second.code
    assert catalogue.get_item(cat_db, first.code).title == "Daily stretches (clinic words)"


def test_each_keystroke_filters_2000_items(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    catalogue.sync_catalogue(sqlite_db, many_items(2000))
    w = open_catalogue(qtbot, sqlite_db)
    assert w.model.total == 2000
    for key in "breathing support 01":
        qtbot.keyClicks(w.search, key)
        settle(qtbot)
        QApplication.processEvents()
    for _ in range(6):
        qtbot.keyClick(w.search, Qt.Key.Key_Backspace)
        settle(qtbot)
        QApplication.processEvents()
    assert w.search.text() == "breathing supp"
    expected = {i.code for i in many_items(2000)
                if all(word in f"{i.title} {i.caregiver_instructions} {i.clinical_description}".lower()
                       for word in ("breathing", "supp"))}
    assert expected and {i.code for i in visible_items(w)} == expected


# --- history -----------------------------------------------------------------------------------

def open_history(qtbot, db: Database, patient_id: int) -> HistoryWindow:  # type: ignore[no-untyped-def]
    db_guard.install(db)
    w = HistoryWindow(db, patient_id, ACTOR)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    settle(qtbot)
    return w


def tree_rows(tree: QTreeWidget) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []

    def walk(item: QTreeWidgetItem) -> None:
        rows.append(tuple(item.text(c) for c in range(tree.columnCount())))
        for n in range(item.childCount()):
            walk(item.child(n))

    for n in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(n))
    return rows


def select_revisions(w: HistoryWindow, *numbers: int) -> None:
    from PySide6.QtCore import QItemSelectionModel

    sm = w.table.selectionModel()
    sm.clearSelection()
    for n in numbers:
        index = w.model.index(w.model.row_of(n), 0)
        sm.select(index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
        sm.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)


def test_history_lists_revisions_newest_first(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    cells = [[w.model.index(r, c).data() for c in range(6)] for r in range(w.model.rowCount())]
    assert [c[0] for c in cells] == ["r3", "r2", "r1"]
    assert cells[0][2:] == ["Nurse One", "New goal", "4", "Current"]
    assert cells[1][2:5] == ["Nurse Two", "Review after falls", "4"]
    assert cells[2][3] == "First version"
    saved = plans.history(sqlite_db, plan.patient_id)[0].created_at
    assert cells[2][1] == dialog_kit.local_time(saved)
    assert "3 saved revisions" in w.summary.text()
    assert w.shown_revision == 3 and not w.restore_button.isEnabled()  # already current


def test_open_an_old_revision_read_only_grouped_by_discipline(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 1)
    settle(qtbot)
    qtbot.mouseClick(w.open_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert w.shown_revision == 1 and w.tabs.currentIndex() == 0
    assert "Revision 1" in w.revision_heading.text() and "Read only" in w.revision_heading.text()
    rows = tree_rows(w.revision_view)
    top = [w.revision_view.topLevelItem(n).text(0) for n in range(w.revision_view.topLevelItemCount())]
    assert top == ["Plan", "Physiotherapy", "Occupational therapy", "Speech and language therapy", "Nutrition"]
    assert ("Treatment 003", "Planned") in rows  # removed later, still here in revision 1
    assert ("Instructions", "Help with treatment 1 gently.") in rows
    assert ("How often", "Daily") in rows and ("Who helps", "Physiotherapist") in rows
    assert ("Goal 1", "Keep walking indoors") in rows and not any("Sleep better" in r[1] for r in rows)
    assert w.revision_view.editTriggers() == w.revision_view.EditTrigger.NoEditTriggers


def test_compare_two_selected_revisions(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 3, 1)
    settle(qtbot)
    assert w.compare_button.isEnabled()
    qtbot.mouseClick(w.compare_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert w.tabs.currentIndex() == 1
    assert w.compare_heading.text() == "From revision 1 to revision 3: 1 added, 1 removed, 2 changed."
    rows = tree_rows(w.diff_view)
    assert ("Goal added", "—", "Sleep better") in rows
    assert any(r[0] == "Added: Treatment 004" for r in rows)
    assert any(r[0] == "Removed: Treatment 003" for r in rows)
    assert ("How often", "Daily", "Weekly") in rows
    assert ("Status", "Planned", "On hold") in rows
    assert ("Instructions", "Help with treatment 0 gently.", "Stretch both legs slowly.") in rows
    assert (w.older.currentData(), w.newer.currentData()) == (1, 3)

    w.older.setCurrentIndex(w.older.findData(2))
    w.older.activated.emit(w.older.currentIndex())  # what choosing in the combo does
    settle(qtbot)
    assert w.compare_heading.text().startswith("From revision 2 to revision 3: 0 added, 0 removed, 1 changed")

    select_revisions(w, 2)
    settle(qtbot)
    qtbot.mouseClick(w.compare_button, Qt.MouseButton.LeftButton)  # one row: with the one before
    settle(qtbot)
    assert w.compare_heading.text().startswith("From revision 1 to revision 2: 1 added, 1 removed, 1 changed")


def test_compare_shows_dates_and_blanks_in_plain_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    old = content([plan_item(1)])
    new = replace(old, next_review=date(2026, 5, 1), items=(plan_item(1, goal="", start_date=date(2026, 2, 3)),))
    view = DiffView()
    qtbot.addWidget(view)
    view.show_diff(1, 2, diff_contents(old, new))
    rows = tree_rows(view)
    assert ("Next review", "6 Apr 2026", "1 May 2026") in rows
    assert ("Start date", "—", "3 Feb 2026") in rows and ("Goal", "Stay steady", "—") in rows


def test_restore_saves_a_new_revision_and_leaves_history_alone(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, shown: list[tuple[str, str]]) -> None:
    plan = three_revisions(sqlite_db)
    before = plans.history(sqlite_db, plan.patient_id)
    asked: list[tuple[int, int]] = []

    def answer(_parent: object, number: int, latest: int) -> str:
        asked.append((number, latest))
        return "Back to the first plan"

    monkeypatch.setattr(restore_dialog, "ask_restore_reason", answer)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 1)
    settle(qtbot)
    assert w.restore_button.isEnabled()
    with qtbot.waitSignal(w.restored) as signal:
        qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
    assert signal.args == [4] and asked == [(1, 3)] and shown == []
    after = plans.history(sqlite_db, plan.patient_id)
    assert after[:3] == before  # nothing earlier was rewritten
    assert (after[3].number, after[3].restored_from, after[3].reason, after[3].author) == (
        4, 1, "Back to the first plan", ACTOR)
    assert plans.get_revision(sqlite_db, plan.patient_id, 4).content == plans.get_revision(
        sqlite_db, plan.patient_id, 1).content
    assert w.model.index(0, 5).data() == "Restored from r1, Current" and w.shown_revision == 4


def test_restore_cancelled_or_refused_after_someone_else_saved(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, shown: list[tuple[str, str]]) -> None:
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    monkeypatch.setattr(restore_dialog, "ask_restore_reason", lambda *_: None)
    select_revisions(w, 2)
    settle(qtbot)
    qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert len(plans.history(sqlite_db, plan.patient_id)) == 3

    # Another coordinator saves revision 4 while this window still shows 3 as the latest.
    plans.save_revision(sqlite_db, plan.patient_id, base_revision=3, content=content([plan_item(9)]),
                        author="Nurse Three", reason="Clinic review")
    monkeypatch.setattr(restore_dialog, "ask_restore_reason", lambda *_: "Undo")
    select_revisions(w, 1)
    settle(qtbot)
    qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert len(shown) == 1 and "Nurse Three saved revision 4" in shown[0][1]
    assert [r.number for r in plans.history(sqlite_db, plan.patient_id)] == [1, 2, 3, 4]
    assert w.model.rowCount() == 4  # the window now shows the newer revision


def test_history_with_200_revisions_opens_and_compares_60_items(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    p = make_patient(sqlite_db, "H-200")
    assert p.id is not None
    save_history(sqlite_db, p.id, 200, n_items=60)
    w = HistoryWindow(sqlite_db, p.id, ACTOR)
    qtbot.addWidget(w)
    w.show()
    QApplication.processEvents()
    for a, b in ((1, 200), (50, 150), (199, 200)):
        w.compare(a, b)
        settle(qtbot)
        QApplication.processEvents()
    assert w.model.rowCount() == 200
    assert w.compare_heading.text().startswith("From revision 199 to revision 200: 0 added, 0 removed, 1 changed")


# --- audit log ---------------------------------------------------------------------------------

def open_audit(qtbot, db: Database, mrn: str | None = None) -> AuditWindow:  # type: ignore[no-untyped-def]
    db_guard.install(db)
    w = AuditWindow(db, mrn=mrn)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    settle(qtbot)
    return w


def cells(w: AuditWindow) -> list[list[str]]:
    return [[w.model.index(r, c).data() for c in range(6)] for r in range(w.model.rowCount())]


def test_audit_log_newest_first_with_plain_details(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    plan = three_revisions(sqlite_db)
    w = open_audit(qtbot, sqlite_db)
    rows = cells(w)
    assert [r[2] for r in rows] == ["Plan saved", "Plan saved", "Plan saved", "Patient created"]
    assert rows[0][1:5] == ["Nurse One", "Plan saved", plan.mrn, "3"]
    assert rows[0][5] == "4 items. Reason: New goal"
    assert rows[-1][5] == "New patient record."
    assert w.count.text() == "4 events."


def test_audit_filters_by_mrn_and_dates(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    first = three_revisions(sqlite_db, "UIB-001")
    other = three_revisions(sqlite_db, "UIB-002")
    # An event from last winter (a revision cannot be dated before the one it follows: check refuses that).
    with sqlite_db.transaction() as s:
        audit.record(s, "Nurse Past", "pdf.exported", entity="plan", entity_key="UIB-002", patient_id=other.patient_id,
                     details={"purpose": "print"}, at=datetime(2025, 1, 15, 12, tzinfo=UTC))
    w = open_audit(qtbot, sqlite_db, mrn="UIB-001")
    assert w.mrn.text() == "UIB-001" and {r[3] for r in cells(w)} == {"UIB-001"} and len(cells(w)) == 4

    w.mrn.clear()
    qtbot.keyClicks(w.mrn, "UIB-002")
    settle(qtbot)
    qtbot.waitUntil(lambda: {r[3] for r in cells(w)} == {"UIB-002"}, timeout=2000)
    assert len(cells(w)) == 5

    w.use_since.setChecked(True)
    settle(qtbot)
    w.since.setDate(QDate(2025, 1, 1))
    settle(qtbot)
    w.use_until.setChecked(True)
    settle(qtbot)
    w.until.setDate(QDate(2025, 1, 31))
    settle(qtbot)
    assert [r[1] for r in cells(w)] == ["Nurse Past"]

    w.since.setDate(QDate(2025, 2, 1))  # after 'To'
    settle(qtbot)
    assert w.filter_error.isVisible() and "after the 'To' date" in w.filter_error.text()
    assert w.model.rowCount() == 0
    assert w.until.maximumDate() == QDate.currentDate()  # no filtering on days still to come

    w.mrn.setText("NO-SUCH")
    settle(qtbot)
    w.use_since.setChecked(False)
    settle(qtbot)
    w.apply_filters()
    settle(qtbot)
    assert "No patient has the MRN 'NO-SUCH'" in w.filter_error.text() and w.model.rowCount() == 0

    qtbot.mouseClick(w.clear_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert w.model.rowCount() == 9 and not w.filter_error.isVisible()
    assert first.mrn in {r[3] for r in cells(w)}


def test_audit_log_loads_more_as_you_scroll(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    with sqlite_db.transaction() as s:
        for n in range(PAGE * 2 + 30):
            audit.record(s, "bulk", "catalogue.retired", entity="catalogue_item", entity_key=f"bulk_{n:04d}",
                         at=datetime(2025, 6, 1, tzinfo=UTC).replace(minute=n % 60, hour=n // 60))
    w = open_audit(qtbot, sqlite_db)
    assert w.model.rowCount() == PAGE and "scroll down for older ones" in w.count.text()
    assert cells(w)[0][5] == f"Item bulk_{PAGE * 2 + 29:04d}."
    for expected in (PAGE * 2, PAGE * 2 + 30):
        w.table.scrollToBottom()
        settle(qtbot)
        qtbot.waitUntil(lambda expected=expected: w.model.rowCount() == expected, timeout=2000)
    assert w.count.text() == f"{PAGE * 2 + 30} events."
    assert cells(w)[-1][5] == "Item bulk_0000."



# --- export and print --------------------------------------------------------------------------

def pdf_text(path: Path) -> str:
    with pymupdf.open(str(path)) as doc:
        return " ".join(" ".join(page.get_text() for page in doc).split())


@pytest.fixture
def revealed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    folders: list[Path] = []
    monkeypatch.setattr(export, "reveal_folder", folders.append)
    return folders


def when_modal(qtbot, kind: type, act) -> None:  # type: ignore[no-untyped-def]
    """Run act(dialog) once a modal dialog of `kind` is open (exec() blocks the test until it closes)."""
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            act(dialog)
        else:
            QTimer.singleShot(20, poll)
    QTimer.singleShot(0, poll)


def test_export_through_the_dialog_writes_a_readable_pdf(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        revealed: list[Path], shown: list[tuple[str, str]]) -> None:
    plan = three_revisions(sqlite_db)
    monkeypatch.setattr(export_dialog, "documents_folder", lambda: tmp_path)
    chosen = tmp_path / "for-the-family"  # no extension: the dialog adds .pdf
    asked: list[Path] = []

    def save_dialog(_parent: object, suggested: Path) -> Path:
        asked.append(suggested)
        return chosen

    monkeypatch.setattr(export_dialog, "ask_save_path", save_dialog)

    def fill(dialog: export_dialog.PrintoutDialog) -> None:
        assert dialog.path is not None and dialog.path.text() == str(tmp_path / "careplan-UIB-001-r3.pdf")
        qtbot.mouseClick(dialog.findChild(QPushButton, "printoutBrowse"), Qt.MouseButton.LeftButton)
        settle(qtbot)
        dialog.large_print.setChecked(True)
        settle(qtbot)
        dialog.paper.setCurrentIndex(dialog.paper.findData("letter"))
        qtbot.mouseClick(dialog.findChild(QPushButton, "printoutOk"), Qt.MouseButton.LeftButton)
        settle(qtbot)

    when_modal(qtbot, export_dialog.PrintoutDialog, fill)
    assert export.export_pdf(None, sqlite_db, plan.patient_id, ACTOR)
    qtbot.waitUntil(lambda: bool(revealed), timeout=15_000)  # written on the worker, then shown
    out = revealed[0]
    assert out == tmp_path / "for-the-family.pdf" and out.is_file()
    assert asked == [tmp_path / "careplan-UIB-001-r3.pdf"] and revealed == [out] and shown == []
    text = pdf_text(out)
    assert PATIENT_NAME in text and "revision 3" in text
    with pymupdf.open(str(out)) as doc:
        assert round(doc[0].rect.width) == 612  # Letter
    event = audit.list_events(sqlite_db, mrn=plan.mrn, limit=1)[0]
    assert (event.action, event.actor, event.revision, event.details["file"]) == (
        "pdf.exported", ACTOR, 3, "for-the-family.pdf")


def test_export_of_an_older_revision_and_its_problems(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        revealed: list[Path], shown: list[tuple[str, str]]) -> None:
    plan = three_revisions(sqlite_db)
    answers = [export_dialog.PrintoutChoice(tmp_path / "gone" / "x.pdf", False, "a4"),
               export_dialog.PrintoutChoice(tmp_path / "r1.pdf", False, "a4")]
    monkeypatch.setattr(export_dialog, "ask_export_options", lambda *_: answers.pop(0))
    export.export_pdf(None, sqlite_db, plan.patient_id, ACTOR, revision=1)
    settle(qtbot, timeout=15_000)
    assert shown and shown[0][0] == "The PDF was not saved" and "does not exist" in shown[0][1]
    assert revealed == []
    export.export_pdf(None, sqlite_db, plan.patient_id, ACTOR, revision=1)
    settle(qtbot, timeout=15_000)
    out = revealed[0]
    assert "revision 1" in pdf_text(out) and "Sleep better" not in pdf_text(out)

    empty = add_patient(sqlite_db, "UIB-EMPTY")
    export.export_pdf(None, sqlite_db, empty.id, ACTOR)  # type: ignore[arg-type]
    settle(qtbot)
    assert "not been saved yet" in shown[-1][1] and revealed == [out]


def test_export_dialog_checks_the_file_name(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = export_dialog.PrintoutDialog(None, title="Export PDF", intro="", suggested=tmp_path / "a.pdf")
    qtbot.addWidget(dialog)
    assert dialog.path is not None
    for text, problem in (("", "Enter a file name"), (str(tmp_path), "is a folder"),
                          (str(tmp_path / "missing" / "a.pdf"), "does not exist")):
        dialog.path.setText(text)
        settle(qtbot)
        dialog._accept()
        assert problem in dialog.error.text() and dialog.result() != dialog.DialogCode.Accepted
    dialog.path.setText("plan")  # a bare name lands in the suggested folder
    settle(qtbot)
    dialog._accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.choice() == export_dialog.PrintoutChoice(tmp_path / "plan.pdf", False, "a4")


def test_slow_work_shows_progress_quick_work_does_not(qtbot) -> None:  # type: ignore[no-untyped-def]
    from careplan.ui.operations import SHOW_PROGRESS_AFTER_MS

    def progress_shown() -> bool:
        return any(w.objectName() == "progressDialog" and w.isVisible() for w in QApplication.topLevelWidgets())

    release = threading.Event()
    results: list[object] = []

    def slow(progress) -> str:  # type: ignore[no-untyped-def]
        progress(40)
        release.wait(30)  # until the test has seen the bar: no sleeps, no timing
        return "done"

    QueryOp(None, slow).with_progress("Working…").success(results.append).run_in_background()
    qtbot.waitUntil(progress_shown)  # shown without any nested event loop: the test's own loop runs
    bar = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "progressDialog")
    assert isinstance(bar, QProgressDialog)
    qtbot.waitUntil(lambda: bar.value() == 40)
    release.set()
    qtbot.waitUntil(lambda: results == ["done"])
    assert not progress_shown()

    QueryOp(None, lambda _p: 7).with_progress("Working…").success(results.append).run_in_background()
    qtbot.waitUntil(lambda: results == ["done", 7])
    assert not progress_shown()  # quick work: no flash of a progress bar

    # Work that never says how far it is (a backup, an import) shows a moving bar, not a stuck 0%.
    release.clear()
    QueryOp(None, lambda _p: release.wait(30)).with_progress("Backing up…").success(results.append).run_in_background()
    qtbot.waitUntil(progress_shown)
    bar = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "progressDialog" and w.isVisible())
    assert isinstance(bar, QProgressDialog) and (bar.minimum(), bar.maximum()) == (0, 0)
    release.set()
    qtbot.waitUntil(lambda: len(results) == 3)
    assert SHOW_PROGRESS_AFTER_MS > 0

    def broken(_progress) -> None:  # type: ignore[no-untyped-def]
        raise CarePlanError("the disk is full")

    failures: list[BaseException] = []
    QueryOp(None, broken).with_progress("Working…").failure(failures.append).run_in_background()
    qtbot.waitUntil(lambda: bool(failures))
    assert "disk is full" in str(failures[0]) and not progress_shown()


def fake_preview_to(out: Path, printed: bool = True):  # type: ignore[no-untyped-def]
    """Stands in for the preview dialog: prints straight into a PDF file, as 'Print to file' does."""
    def preview(_parent: object, printer: QPrinter, paint) -> bool:  # type: ignore[no-untyped-def]
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(100)
        paint(printer)
        return printed
    return preview


def dark_pixels(path: Path, page: int = 0) -> int:
    with pymupdf.open(str(path)) as doc:
        pix = doc[page].get_pixmap(dpi=30, colorspace=pymupdf.csGRAY)
        return sum(1 for b in pix.samples if b < 128)


def test_print_draws_the_same_pages_on_the_printer(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        shown: list[tuple[str, str]]) -> None:
    plan = three_revisions(sqlite_db)
    exported = printing.export_plan_pdf(sqlite_db, plan.patient_id, tmp_path / "ref.pdf", actor=ACTOR)
    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(export_dialog, "ask_print_options", lambda *_: export_dialog.PrintoutChoice(None, False, "a4"))
    monkeypatch.setattr(export, "run_print_preview", fake_preview_to(out))
    temp_files: list[Path] = []
    real_paint = pdf_pages.paint_pdf
    monkeypatch.setattr(export, "paint_pdf", lambda printer, pdf: temp_files.append(pdf) or real_paint(printer, pdf))

    export.print_plan(None, sqlite_db, plan.patient_id, ACTOR)
    settle(qtbot, timeout=15_000)
    assert shown == []
    with pymupdf.open(str(out)) as doc, pymupdf.open(str(exported.path)) as ref:
        assert doc.page_count == ref.page_count
        assert (round(doc[0].rect.width), round(doc[0].rect.height)) == (595, 842)
    assert dark_pixels(out) > 200  # real text was drawn, not blank sheets
    assert temp_files and not temp_files[0].exists()  # the temporary printout is removed
    event = audit.list_events(sqlite_db, mrn=plan.mrn, limit=1)[0]
    assert (event.action, event.revision, event.details["purpose"], event.details["pages"]) == (
        "pdf.exported", 3, "print", exported.pages)

    monkeypatch.setattr(export, "run_print_preview", fake_preview_to(tmp_path / "cancelled.pdf", printed=False))
    export.print_plan(None, sqlite_db, plan.patient_id, ACTOR)
    settle(qtbot, timeout=15_000)
    assert audit.list_events(sqlite_db, mrn=plan.mrn, limit=1)[0].id == event.id  # nothing printed, nothing logged


def test_print_to_file_helper_and_missing_renderer(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        shown: list[tuple[str, str]]) -> None:
    plan = three_revisions(sqlite_db)
    ref = printing.export_plan_pdf(sqlite_db, plan.patient_id, tmp_path / "ref.pdf", actor=ACTOR, paper="letter")
    pages = pdf_pages.print_pdf_to_file(ref.path, tmp_path / "copy.pdf", paper="letter")
    with pymupdf.open(str(tmp_path / "copy.pdf")) as doc:
        assert pages == ref.pages == doc.page_count and round(doc[0].rect.width) == 612
    assert pdf_pages.renderer_name() in ("QtPdf", "pdfium")

    monkeypatch.setattr(pdf_pages, "renderer_name", lambda: None)
    monkeypatch.setattr(export_dialog, "ask_print_options", lambda *_: export_dialog.PrintoutChoice(None, True, "a4"))
    monkeypatch.setattr(export, "run_print_preview", fake_preview_to(tmp_path / "none.pdf"))
    export.print_plan(None, sqlite_db, plan.patient_id, ACTOR)
    settle(qtbot, timeout=15_000)
    assert shown[-1][0] == "Cannot print" and "Export PDF" in shown[-1][1]


# --- issue 12, bug 8: the catalogue keeps one selection and never overwrites another's save -----
def click_row(qtbot, w: CatalogueWindow, code: str) -> None:  # type: ignore[no-untyped-def]
    rect = w.table.visualRect(w.model.index(w.model.row_of(code), 0))
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QApplication.processEvents()  # the event loop turns once after a click, as it does for a user
    settle(qtbot)


def selected_codes(w: CatalogueWindow) -> list[str]:
    return [w.model.item_at(i.row()).code for i in w.table.selectionModel().selectedRows()]  # type: ignore[union-attr]


def test_keep_editing_returns_the_selection_to_the_edited_item(  # type: ignore[no-untyped-def]
        qtbot, cat_db: Database, discard_answers: list[bool]) -> None:
    w = open_catalogue(qtbot, cat_db)
    first, second = w.model.item_at(0), w.model.item_at(1)
    assert first is not None and second is not None
    click_row(qtbot, w, first.code)
    w.form.title.selectAll()
    qtbot.keyClicks(w.form.title, "My unsaved words")
    discard_answers.append(False)  # clicking another item asks; the coordinator keeps editing
    click_row(qtbot, w, second.code)

    assert selected_codes(w) == [first.code]  # one row, the one being edited
    assert w.model.item_at(w.table.currentIndex().row()).code == first.code  # type: ignore[union-attr]
    assert w.form.code.text() == first.code and w.form.title.text() == "My unsaved words"

    discard_answers.append(True)  # Retire now asks about the unsaved words, then retires the edited item
    with qtbot.waitSignal(w.catalogueChanged):
        qtbot.mouseClick(w.retire_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
    assert not catalogue.get_item(cat_db, first.code).active
    assert catalogue.get_item(cat_db, second.code).active
    assert selected_codes(w) == [first.code]


def test_two_coordinators_edit_one_item_the_second_is_told_and_keeps_their_edits(  # type: ignore[no-untyped-def]
        qtbot, cat_db: Database, monkeypatch: pytest.MonkeyPatch, shown: list, discard_answers: list[bool]) -> None:
    told: list[tuple[str, str]] = []
    from careplan.ui import catalogue_conflict

    monkeypatch.setattr(catalogue_conflict, "show_conflict", lambda _p, title, text: told.append((title, text)))
    w = open_catalogue(qtbot, cat_db)
    item = w.model.item_at(0)
    assert item is not None
    click_row(qtbot, w, item.code)
    # This coordinator rewrites the safety notes and the title...
    w.form.safety_notes.setPlainText("Stop if it hurts.")
    w.form.title.selectAll()
    qtbot.keyClicks(w.form.title, "Title from here")
    settle(qtbot)
    # ...while another coordinator, on another computer, saves their own change to the same item.
    catalogue.edit_item(cat_db, item.code, {"title": "Title from elsewhere", "frequency": "Twice a day"},
                        actor="Nurse Elsewhere", expected_version=item.version)

    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)

    stored = catalogue.get_item(cat_db, item.code)
    assert stored.title == "Title from elsewhere" and stored.safety_notes == item.safety_notes  # theirs stands
    assert len(told) == 1
    title, text = told[0]
    assert title == "Someone else changed this item"
    assert "Nurse Elsewhere changed" in text and "nothing is lost" in text and "Title" in text
    # Nothing typed is lost; their frequency shows under my edits.
    assert w.form.title.text() == "Title from here"
    assert w.form.safety_notes.toPlainText() == "Stop if it hurts."
    assert w.form.frequency.currentText() == "Twice a day"
    assert w.save_button.isEnabled()

    # Saving again, having seen theirs, is a deliberate choice and goes through; their frequency stays.
    with qtbot.waitSignal(w.catalogueChanged):
        qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
        settle(qtbot)
    stored = catalogue.get_item(cat_db, item.code)
    assert (stored.title, stored.safety_notes, stored.frequency) == ("Title from here", "Stop if it hurts.",
                                                                    "Twice a day")
