"""The main window fits a clinic laptop (1280x720) and a desktop (1920x1080): plan columns that
never elide a status or a frequency, item details without a scroll bar, a catalogue that opens only
while adding, and a sort and layout that survive a restart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractItemView, QWidget

from careplan.domain.plan import FREQUENCY_CHOICES, ItemStatus
from careplan.services import plans as plan_service
from careplan.services.demo import generate_demo
from careplan.ui.plan_panels import COL_FREQUENCY, COL_ITEM, COL_STATUS, COL_WHO, text_margin
from careplan.ui.undo import EditItemField

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import new_patient, press, settle, type_text  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures

SIZES = [(1280, 720), (1920, 1080)]
CTRL = Qt.KeyboardModifier.ControlModifier
LONGEST_STATUS = max((s for s in ItemStatus), key=lambda s: len(s.label))
LONGEST_FREQUENCY = max(FREQUENCY_CHOICES, key=len)


def busiest_patient(db) -> int:
    """The demo patient with the most plan items: the hardest plan to fit."""
    from careplan.services.patients import search_patients

    counts = {p.id: len(plan_service.load_plan(db, p.id).latest.content.items)
              for p in search_patients(db, "", limit=100)}
    return max(counts, key=lambda pid: (counts[pid], -pid))


def open_at(qtbot, window, size, patient_id):
    """As a coordinator sees it on a first start with the window at this size (maximised)."""
    window.resize(*size)
    window.fit_layout()
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    window.open_patient(patient_id)
    settle(qtbot)


def edit(window, uid, field, value):
    """An edit as the item form makes it (through the undo stack)."""
    doc = window.editor.doc
    window.editor.undo.push(EditItemField(doc, uid, field, getattr(doc.item(uid), field), value, typing=False))


def elided(view: QAbstractItemView, column: int, text: str) -> bool:
    """Would Qt elide this text in this column? (Qt keeps a margin either side of a cell's text.)"""
    return view.fontMetrics().horizontalAdvance(text) + 2 * text_margin(view) > view.header().sectionSize(column)


def visible_in(widget: QWidget, area: QWidget) -> bool:
    """The whole widget lies inside the area on screen (not cut off, not scrolled away)."""
    top_left = widget.mapTo(area, widget.rect().topLeft())
    return widget.isVisible() and area.rect().contains(QRect(top_left, widget.size()))


@pytest.fixture
def demo_db(ui_db):
    generate_demo(ui_db, patients=12, seed=3, mean_revisions=3)
    return ui_db


@pytest.mark.parametrize("size", SIZES)
def test_status_and_how_often_are_never_elided(qtbot, make_window, demo_db, size):
    window = make_window()
    open_at(qtbot, window, size, busiest_patient(demo_db))
    editor = window.editor
    items = editor.doc.content.sorted_items()
    assert len(items) >= 8
    # The longest words each column can hold, in this plan.
    edit(window, items[0].key, "status", LONGEST_STATUS)
    edit(window, items[1].key, "frequency", LONGEST_FREQUENCY)
    settle(qtbot)
    view = editor.items
    for status in ItemStatus:
        assert not elided(view, COL_STATUS, status.label), (status.label, view.header().sectionSize(COL_STATUS))
    for choice in FREQUENCY_CHOICES:
        assert not elided(view, COL_FREQUENCY, choice), (choice, view.header().sectionSize(COL_FREQUENCY))
    # Every column is on screen without scrolling sideways, and item names and who helps are readable.
    header = view.header()
    assert sum(header.sectionSize(c) for c in range(header.count())) <= view.viewport().width()
    assert view.horizontalScrollBar().maximum() == 0
    indent = view.indentation() * 2  # items sit under their discipline
    for item in items:
        assert not elided(view, COL_WHO, item.responsible), item.responsible
        assert header.sectionSize(COL_ITEM) - indent >= view.fontMetrics().horizontalAdvance(item.title) * 0.9, \
            item.title
    # What the table shows is the whole text, not "Every 3 mo…".
    index = editor.model.index_of(items[1].key, COL_FREQUENCY)
    assert index.data() == LONGEST_FREQUENCY


def test_a_typed_long_frequency_widens_its_column(qtbot, make_window, demo_db):
    window = make_window()
    open_at(qtbot, window, (1280, 720), busiest_patient(demo_db))
    view = window.editor.items
    before = view.header().sectionSize(COL_FREQUENCY)
    uid = window.editor.doc.content.sorted_items()[0].key
    typed = "Twice a week, after lunch"
    edit(window, uid, "frequency", typed)
    settle(qtbot)
    assert view.header().sectionSize(COL_FREQUENCY) > before
    assert not elided(view, COL_FREQUENCY, typed)
    # Free text beyond reason is elided (the details show it whole) rather than pushing the item name off.
    edit(window, uid, "frequency", "x" * 200)
    settle(qtbot)
    assert view.header().sectionSize(COL_ITEM) >= view.fontMetrics().horizontalAdvance("M") * 6
    assert view.horizontalScrollBar().maximum() == 0


@pytest.mark.parametrize("size", SIZES)
def test_item_details_show_whole_without_scrolling(qtbot, make_window, demo_db, size):
    window = make_window()
    open_at(qtbot, window, size, busiest_patient(demo_db))
    editor = window.editor
    scroll = editor.form_scroll
    for item in editor.doc.content.sorted_items():  # a typical item: every item of a real plan
        editor._select(item.key)
        settle(qtbot)
        assert editor.form.uid == item.key
        qtbot.waitUntil(lambda: not scroll.verticalScrollBar().isVisible())
        form = editor.form
        for widget in (form.title, form.remove, form.status, form.frequency, form.responsible, form.start,
                       form.goal, form.instructions, form.notes):
            assert visible_in(widget, scroll.viewport()), (item.title, widget.objectName())
        # The texts show a few lines, not a sliver.
        assert form.instructions.height() >= form.fontMetrics().lineSpacing() * 4
    # And the plan's list keeps room for a good part of the plan.
    assert editor.items.viewport().height() >= editor.items.fontMetrics().height() * 8


def test_catalogue_is_put_away_until_wanted(qtbot, make_window, demo_db):
    window = make_window()
    open_at(qtbot, window, (1280, 720), busiest_patient(demo_db))
    editor = window.editor
    toggle = editor.catalogue_toggle
    assert not editor.picker.isVisible() and not toggle.button.isChecked()
    plan_width = editor.detail_splitter.width()

    # Ctrl+K from anywhere: the catalogue opens with the cursor in its search box.
    editor.form.goal.setFocus()
    press(qtbot, window, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(editor.picker.search.hasFocus)
    assert editor.picker.isVisible() and toggle.button.isChecked()
    # Beside the open catalogue the plan's columns still read whole: the patient list lent the width.
    list_width = window.splitter.sizes()[0]
    qtbot.waitUntil(lambda: editor.items.horizontalScrollBar().maximum() == 0)
    for status in ItemStatus:
        assert not elided(editor.items, COL_STATUS, status.label), status.label
    em = editor.items.fontMetrics().horizontalAdvance("M")
    assert editor.items.header().sectionSize(COL_ITEM) >= em * 15  # item names still read, not "A…"
    # Enter adds: type, Enter moves into the matches, Enter adds the first.
    have = {i.key for i in editor.doc.content.items}
    target = next(c for c in editor.catalogue.values() if c.code not in have)
    type_text(editor.picker.search, target.title)
    qtbot.keyClick(editor.picker.search, Qt.Key.Key_Return)
    assert editor.picker.tree.hasFocus()
    qtbot.keyClick(editor.picker.tree, Qt.Key.Key_Return)
    assert editor.doc.has(target.code)
    # Escape puts it away and the keyboard carries on in the plan.
    qtbot.keyClick(editor.picker.tree, Qt.Key.Key_Escape)
    assert not editor.picker.isVisible() and not toggle.button.isChecked()
    assert editor.items.hasFocus()
    qtbot.waitUntil(lambda: editor.detail_splitter.width() == plan_width)
    assert window.splitter.sizes()[0] > list_width  # the list has its width back

    # The button opens and closes it too, and says which it will do.
    qtbot.mouseClick(toggle.button, Qt.MouseButton.LeftButton)
    assert editor.picker.isVisible() and "Hide" in toggle.button.text()
    qtbot.mouseClick(toggle.button, Qt.MouseButton.LeftButton)
    assert not editor.picker.isVisible() and "Add from" in toggle.button.text()


def test_an_empty_plan_opens_the_catalogue(qtbot, make_window, ui_db):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    assert window.editor.picker.isVisible()
    assert window.editor.catalogue_toggle.button.isChecked()


def test_sort_and_layout_survive_a_restart(qtbot, make_window, demo_db):
    first = make_window()
    panel = first.patients
    panel.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # latest review first
    settle(qtbot)
    order = [panel.model.summary(r).id for r in range(panel.model.rowCount())]
    first.resize(700, 600)
    first.splitter.setSizes([260, 440])
    sizes = first.splitter.sizes()
    first._closing = True
    first.close()

    second = make_window()
    header = second.patients.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (3, Qt.SortOrder.DescendingOrder)
    assert [second.patients.model.summary(r).id for r in range(second.patients.model.rowCount())] == order
    assert second.size().toTuple() == (700, 600)
    assert second.splitter.sizes() == sizes


def test_quitting_from_the_welcome_page_leaves_the_list_usable(qtbot, make_window, ui_db):
    """A first run on an empty database quit from the welcome page used to hide the list next time."""
    first = make_window()
    assert first.stack.currentIndex() == 0  # welcome: no patients yet
    first._closing = True
    first.close()
    generate_demo(ui_db, patients=5, seed=4, mean_revisions=1)
    second = make_window()
    assert second.stack.currentIndex() == 1
    assert second.patients.isVisible()
    assert second.splitter.sizes()[0] >= second.patients.minimumWidth()


@pytest.mark.parametrize("size", SIZES)
def test_first_start_shows_every_patient_column(qtbot, make_window, demo_db, size):
    window = make_window()
    window.resize(*size)
    window.fit_layout()
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    table = window.patients.table
    header = table.horizontalHeader()
    settle(qtbot)
    for col in range(header.count()):
        right = header.sectionViewportPosition(col) + header.sectionSize(col)
        assert header.sectionViewportPosition(col) >= 0 and right <= table.viewport().width(), col
    mrn_width = max(table.fontMetrics().horizontalAdvance(table.model().index(r, 1).data())
                    for r in range(table.model().rowCount()))
    assert header.sectionSize(1) >= mrn_width
