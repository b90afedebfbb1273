"""The plan editor's compact parts, which give a laptop's height to the plan list: the revision line
beside the patient's name, the review rule of thumb on its field, a goals list that grows only with
room to spare, and the item's description on one elided line with the whole text at hand."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from careplan.services.demo import generate_demo
from careplan.ui.elided_label import ElidedLabel

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.test_ui_layout import busiest_patient, open_at  # noqa: E402
from tests.ui_fixtures import settle, type_text  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]

ELLIPSIS = "\u2026"


@pytest.fixture
def demo_db(ui_db):
    generate_demo(ui_db, patients=12, seed=3, mean_revisions=3)  # the plans test_ui_layout fits
    return ui_db


def test_the_revision_line_sits_beside_the_name_while_both_fit(qtbot, make_window, demo_db):
    window = make_window()
    open_at(qtbot, window, (1280, 720), busiest_patient(demo_db))
    header = window.editor.header
    revision, name, course = header.revision_info, header.heading, header.course
    assert revision.text().startswith("Revision ")
    # Beside the name: the header is one line shorter.
    assert revision.geometry().top() < header.details.geometry().top()
    assert revision.mapTo(header, revision.rect().topLeft()).x() >= name.geometry().right()
    assert revision.width() >= revision.fontMetrics().horizontalAdvance(revision.text())  # read whole
    # Too narrow for both: it goes back to a line of its own under the course line, and reads whole.
    window.resize(900, 720)
    qtbot.waitUntil(lambda: revision.geometry().top() > course.geometry().top())
    settle(qtbot)
    assert revision.isVisible() and revision.wordWrap()
    assert revision.height() >= revision.fontMetrics().height()
    # And wide again: beside the name again (the move is not one way).
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: revision.geometry().top() < header.details.geometry().top())


def test_the_review_rule_of_thumb_rides_on_its_field(qtbot, make_window, demo_db):
    window = make_window()
    open_at(qtbot, window, (1280, 720), busiest_patient(demo_db))
    review = window.editor.fields.review
    assert "Reviews are due every 2\u20133 months." in review.edit.toolTip()
    # A screen reader says it with the field; the date format hint is still there too.
    assert "Reviews are due every" in review.edit.accessibleDescription()
    assert "YYYY-MM-DD" in review.edit.accessibleDescription()


@pytest.mark.parametrize(("size", "rows"), [((1280, 720), 2), ((1920, 1080), 4)])
def test_goals_show_two_on_a_laptop_and_four_with_room(qtbot, make_window, demo_db, size, rows):
    window = make_window()
    open_at(qtbot, window, size, busiest_patient(demo_db))
    fields = window.editor.fields
    for n in range(6 - fields.goals.count()):
        type_text(fields.new_goal, f"Goal number {n}")
        qtbot.keyClick(fields.new_goal, Qt.Key.Key_Return)
    settle(qtbot)
    goals = fields.goals
    assert goals.count() >= 6
    viewport = goals.viewport().rect()
    whole = [r for r in range(goals.count()) if viewport.contains(goals.visualItemRect(goals.item(r)))]
    assert len(whole) >= rows, (len(whole), goals.height())
    assert goals.verticalScrollBar().maximum() > 0  # the rest scroll, keyboard included
    goals.setFocus()
    goals.setCurrentRow(0)
    for _ in range(goals.count() - 1):
        qtbot.keyClick(goals, Qt.Key.Key_Down)
    assert goals.currentRow() == goals.count() - 1
    assert viewport.contains(goals.visualItemRect(goals.currentItem()))


def test_a_long_description_is_one_line_with_the_whole_text_at_hand(qtbot, make_window, demo_db):
    window = make_window()
    open_at(qtbot, window, (1280, 720), busiest_patient(demo_db))
    editor = window.editor
    longest = max(editor.doc.content.sorted_items(), key=lambda i: len(i.clinical_description))
    editor._select(longest.key)
    settle(qtbot)
    label = editor.form.clinical
    full = " ".join(longest.clinical_description.split())
    assert label.fontMetrics().horizontalAdvance(full) > label.width()  # it would have wrapped
    assert label.height() < label.fontMetrics().lineSpacing() * 2  # one line
    assert label.text().endswith(ELLIPSIS) and full.startswith(label.text()[:-1])
    assert label.toolTip() == longest.clinical_description
    assert label.accessibleDescription() == longest.clinical_description
    # Where the window is wide enough the whole text shows, and no tooltip repeats it.
    window.resize(3000, 1080)
    qtbot.waitUntil(lambda: label.text() == full)
    assert label.toolTip() == ""


# qtbot only registers the label for closing; each example makes its own label.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400), width=st.integers(min_value=0, max_value=900))
def test_elided_label_shows_one_plain_line_of_the_text(qtbot, text, width):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(width, label.sizeHint().height())
    label.set_full_text(text)
    line = " ".join(text.split())
    shown = label.text()
    assert "\n" not in shown and "\u2029" not in shown
    assert label.textFormat() == Qt.TextFormat.PlainText  # "<b>" and "&" show as typed
    assert label.full_text() == text
    if shown == line:
        assert label.toolTip() == "" and not label.is_elided()
    else:  # elided: what shows is where the text starts, and the whole text is in the tooltip
        assert label.is_elided() and label.toolTip() == text
        assert label.fontMetrics().horizontalAdvance(shown) <= max(width, 0) or shown in ("", ELLIPSIS)
