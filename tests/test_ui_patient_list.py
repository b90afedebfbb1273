"""The patient list over a few hundred demo patients: search as you type, sort, review status."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from careplan.domain.search_fold import fold
from careplan.services.demo import generate_demo
from careplan.services.patients import count_patients, search_patients
from careplan.ui.operations import runner
from careplan.ui.patient_list import PAGE, PatientListPanel

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import settle  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures

PATIENTS = 300


@pytest.fixture
def demo_db(ui_db):
    generate_demo(ui_db, patients=PATIENTS, seed=7, mean_revisions=2)
    return ui_db


@pytest.fixture
def panel(qtbot, demo_db):
    p = PatientListPanel(demo_db)
    qtbot.addWidget(p)
    p.resize(700, 600)
    p.show()
    qtbot.waitExposed(p)
    settle(qtbot)
    return p


def searches_run(qtbot):
    """The names of the patient searches the worker ran, from now on."""
    ran: list[str] = []
    runner().jobDone.connect(lambda name: ran.append(name) if name == "patient-search" else None)
    return ran


def names(panel):
    return [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())]


def test_search_as_you_type_by_name_or_mrn(qtbot, panel, demo_db):
    assert panel.model.total == PATIENTS
    assert panel.count.text() == f"{PATIENTS} patients"
    assert panel.model.rowCount() == PAGE  # one page at a time
    panel.search.setFocus()
    # Speed is measured in bench/search.py, never asserted here: shared machines are noisy.
    for word in ("ann", "ben", "an"):
        panel.search.clear()
        for n, ch in enumerate(word, 1):
            qtbot.keyClick(panel.search, ch)
            settle(qtbot)  # a pause in typing: the search runs
            assert panel.model.total == count_patients(demo_db, word[:n])
    assert all("an" in fold(n) or "an" in panel.model.index(r, 1).data().casefold()  # "Ånna" too
               for r, n in enumerate(names(panel)))
    assert "match \u201can\u201d" in panel.count.text()
    panel.search.clear()
    qtbot.keyClicks(panel.search, "demo-7-000123")
    settle(qtbot)
    assert panel.model.total == 1
    assert panel.model.index(0, 1).data() == "DEMO-7-000123"
    panel.search.clear()
    qtbot.keyClicks(panel.search, "qqqzz")
    settle(qtbot)
    assert panel.model.rowCount() == 0
    assert "No patient matches" in panel.count.text() and "Ctrl+N" in panel.count.text()


def test_columns_sort_through_the_service(qtbot, panel, demo_db):
    header = panel.table.horizontalHeader()
    for column, key in ((1, "mrn"), (3, "next_review"), (2, "plan_status"), (0, "name")):
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
        settle(qtbot)
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        expected = search_patients(demo_db, sort=key, descending=descending, limit=PAGE)
        assert [panel.model.summary(r).id for r in range(PAGE)] == [p.id for p in expected], key
    # Clicking again reverses.
    first = panel.model.summary(0).full_name
    panel.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    settle(qtbot)
    assert panel.model.summary(0).full_name >= first


def test_review_status_is_said_in_words_and_colour(qtbot, panel):
    panel.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # earliest review first: overdue on top
    settle(qtbot)
    top = panel.model.summary(0)
    assert top.review_state.value == "overdue"
    text = panel.model.index(0, 3).data()
    assert text.startswith("Overdue, ")
    assert panel.model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole) is not None
    panel.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # latest first: not due yet
    settle(qtbot)
    assert panel.model.summary(0).review_state.value == "scheduled"
    assert panel.model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "Overdue" not in panel.model.index(0, 3).data()
    panel.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    settle(qtbot)
    assert "Overdue" in panel.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_more_rows_load_when_scrolling(qtbot, panel):
    assert panel.model.canFetchMore()
    panel.table.scrollToBottom()
    QApplication.processEvents()
    qtbot.waitUntil(lambda: panel.model.rowCount() > PAGE)
    assert panel.model.row_of(panel.model.summary(0).id) == 0
    last = search_patients(panel.model.db, limit=1, offset=PATIENTS - 1)[0]
    found = []
    panel.model.find(last.id, found.append)  # loads the pages up to that patient on the worker
    qtbot.waitUntil(lambda: found == [PATIENTS - 1])
    assert panel.model.rowCount() == PATIENTS and not panel.model.canFetchMore()


def test_typing_quickly_runs_one_search(qtbot, panel, demo_db):
    ran = searches_run(qtbot)
    panel.search.setFocus()
    for ch in "annie":  # five letters, no pause between them; events are handled between keys as for a user
        qtbot.keyClick(panel.search, ch)
        QApplication.processEvents()
    assert ran == []  # nothing yet: the search waits for a pause in typing
    settle(qtbot)
    assert ran == ["patient-search"]  # one query for the five letters (count and page together)
    assert panel.model.total == count_patients(demo_db, "annie")


def test_choosing_from_the_keyboard_opens_the_patient(qtbot, make_window, demo_db, answers):
    window = make_window()
    panel = window.patients
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "DEMO-7-00004")
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)  # at once, without waiting for the pause
    settle(qtbot)
    assert panel.table.hasFocus()
    assert window.editor.doc.patient is not None
    assert window.editor.doc.patient.mrn == panel.model.summary(0).mrn
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    settle(qtbot)
    assert window.editor.doc.patient.mrn == panel.model.summary(1).mrn
    assert window.windowTitle().startswith(f"CarePlan \u2014 {panel.model.summary(1).full_name}")
