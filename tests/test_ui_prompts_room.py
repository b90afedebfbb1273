"""The prompts strip on a laptop screen: opened, with a Why? open, it stays at most three one-line
rows and scrolls inside, so the item details below it need no scroll bar at 1280x720; on a tall
screen the open Why? still makes the strip grow."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from careplan.services.rules import sync_rules
from careplan.ui.prompts_strip import VISIBLE_ROWS

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.history_builders import save_history  # noqa: E402
from tests.test_ui_prompts import open_strip, patient_with_fvc  # noqa: E402
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]

LEFT = Qt.MouseButton.LeftButton
KINGS_4B = "4,4,4,4,4a,4,4,3,4,4,4,2"  # with FVC 45: several prompts at once


@pytest.fixture(autouse=True)
def _shipped_rules(ui_db: Any) -> None:
    sync_rules(ui_db)


def laid_out(qtbot: Any, window: Any, width: int, height: int) -> None:
    window.resize(width, height)
    window.fit_layout()  # as on a first start at this size
    settle(qtbot)


def strip_with_an_item_shown(qtbot: Any, make_window: Any, db: Any, width: int, height: int) -> tuple[Any, Any]:
    """The strip opened for a patient with many prompts, and a saved plan item's details shown below it."""
    p = patient_with_fvc(db, 45, scores=KINGS_4B)
    save_history(db, p.id, revisions=1)
    window, strip = open_strip(qtbot, make_window, db, p.id)
    editor = window.editor
    editor._select(editor.doc.content.sorted_items()[0].key)
    laid_out(qtbot, window, width, height)
    if not strip.toggle.isChecked():
        qtbot.mouseClick(strip.toggle, LEFT)
    settle(qtbot)
    assert len(strip.cards) > VISIBLE_ROWS, [c.prompt.rule for c in strip.cards]
    return window, strip


def in_view(strip: Any, card: Any) -> bool:
    top = card.y() - strip.body.verticalScrollBar().value()
    return top == 0 or top >= 0 and top + card.height() <= strip.body.viewport().height()


def test_at_1280x720_an_open_why_scrolls_in_the_strip_and_the_details_need_no_scroll_bar(
        qtbot, make_window, ui_db):
    window, strip = strip_with_an_item_shown(qtbot, make_window, ui_db, 1280, 720)
    details = window.editor.form_scroll.verticalScrollBar()
    line = max(c.line_height() for c in strip.cards) + strip.list_layout.spacing()
    assert details.maximum() == 0
    for card in strip.cards:
        qtbot.mouseClick(card.why, LEFT)
        # Laid out again after the click (a queued fit): the card shows its Why lines, and its first line is
        # at the top of the strip, or (the last cards) the whole card is in view.
        qtbot.waitUntil(lambda c=card: c.height() > c.line_height() and in_view(strip, c))
        assert strip.body.height() <= line * VISIBLE_ROWS + line // 2
        assert details.maximum() == 0, card.prompt.rule
        qtbot.mouseClick(card.why, LEFT)
        qtbot.waitUntil(lambda c=card: c.height() == c.line_height())


def test_on_a_tall_screen_an_open_why_makes_the_strip_grow(qtbot, make_window, ui_db):
    window, strip = strip_with_an_item_shown(qtbot, make_window, ui_db, 1920, 1080)
    closed = strip.body.height()
    qtbot.mouseClick(strip.cards[0].why, LEFT)
    qtbot.waitUntil(lambda: strip.body.height() > closed)
    assert window.editor.form_scroll.verticalScrollBar().maximum() == 0
