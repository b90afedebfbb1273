"""The idle lock (issue 16 part 6): after the clinic's idle time the main window hides patient
data until the user signs in again; the unsaved edit survives; 0 turns the lock off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from careplan.persistence.engine import Database
from careplan.services import idle_lock as policy
from careplan.services import plans as plan_service
from careplan.services.clock import login_name
from careplan.ui.idle_lock import LOCKED_TITLE

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import core_codes, new_patient, pick, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]
NAME = "Alice Example"


def _visible_texts(window) -> str:
    """Every label the user could read, not under the cover."""
    cover = window.idle_lock.cover
    return "\n".join(lb.text() for lb in window.findChildren(QLabel)
                     if lb.isVisible() and not cover.isAncestorOf(lb) and lb.visibleRegion().boundingRect().isValid()
                     and not cover.geometry().contains(lb.mapTo(window, QPoint(0, 0))))


def _locked_window(qtbot, make_window, ui_db: Database, seconds: float = 0.2):
    policy.save_idle_seconds(ui_db, 60)  # time enough to open and edit
    p = new_patient(ui_db, name=NAME)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    assert NAME in window.windowTitle()
    pick(qtbot, window, core_codes(window)[0])  # an unsaved edit
    assert window.editor.doc.modified and not window.idle_lock.locked
    policy.save_idle_seconds(ui_db, seconds)  # the clinic shortens the idle time; the app re-reads it
    window.idle_lock.reload_policy()
    qtbot.waitUntil(lambda: window.idle_lock.locked, timeout=5_000)
    settle(qtbot)
    return window, p


def test_idle_window_hides_the_patient_and_keeps_the_unsaved_edit(qtbot, make_window, ui_db: Database) -> None:
    window, p = _locked_window(qtbot, make_window, ui_db)
    cover = window.idle_lock.cover
    assert cover.isVisible() and window.windowTitle() == LOCKED_TITLE
    central = window.centralWidget().geometry()
    assert cover.geometry().contains(central), "the cover lies over the whole central area"
    assert not window.centralWidget().isEnabled() and not window.menuBar().isEnabled()
    assert not window.actions["save"].isEnabled() and not window.actions["print"].isEnabled()
    assert NAME not in _visible_texts(window) and p.mrn not in _visible_texts(window)
    # The edit is in the draft table already, and still in the editor.
    draft = plan_service.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and len(draft.content.items) == 1
    # Something refreshing behind the cover cannot put the name back into the title.
    window._update()
    assert window.windowTitle() == LOCKED_TITLE


def test_signing_in_again_needs_the_name_or_login(qtbot, make_window, ui_db: Database) -> None:
    window, _p = _locked_window(qtbot, make_window, ui_db)
    cover = window.idle_lock.cover
    for wrong in ("", "Someone Else", "<b>Nurse Test</b>"):
        cover.entry.setText(wrong)
        qtbot.mouseClick(cover.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(cover.error.text()) and cover.unlock_button.isEnabled())
        assert window.idle_lock.locked and window.windowTitle() == LOCKED_TITLE
        cover.error.clear()
    policy.save_idle_seconds(ui_db, 60)  # unlocking re-reads the idle time: no second lock mid-test
    qtbot.keyClicks(cover.entry, "  nurse   TEST ")  # spacing and case do not matter
    qtbot.keyClick(cover.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.idle_lock.locked)
    assert not cover.isVisible() and NAME in window.windowTitle()
    assert window.editor.doc.modified and len(window.editor.doc.content.items) == 1, "the edit survived"
    assert window.actions["save"].isEnabled() and window.centralWidget().isEnabled()
    qtbot.waitUntil(lambda: window.idle_lock.timer.isActive() and window.idle_lock.seconds == 60)  # counting again
    # The computer login works too (the lock off meanwhile, so only our lock() locks).
    policy.save_idle_seconds(ui_db, 0)
    window.idle_lock.reload_policy()
    qtbot.waitUntil(lambda: window.idle_lock.seconds == 0 or window.idle_lock.locked)
    window.idle_lock.lock()
    cover.entry.setText(login_name())
    cover.unlock_button.click()
    qtbot.waitUntil(lambda: not window.idle_lock.locked)


def test_zero_turns_the_lock_off_and_use_restarts_the_count(qtbot, make_window, ui_db: Database) -> None:
    policy.save_idle_seconds(ui_db, 0)
    window = make_window()
    settle(qtbot)
    assert window.idle_lock.seconds == 0 and not window.idle_lock.timer.isActive()
    policy.save_idle_seconds(ui_db, 60)
    window.idle_lock.reload_policy()
    qtbot.waitUntil(lambda: window.idle_lock.timer.isActive())
    window.idle_lock.timer.start(50_000)  # as if most of the minute had passed without use
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_A)  # as a real keystroke arrives: through the QWindow
    # Restarted with the whole minute (no clock reading: the interval is what start() was given).
    assert window.idle_lock.timer.interval() == 60_000 and window.idle_lock.timer.isActive(), \
        "a keystroke starts the count again"


def test_idle_time_setting_refuses_nonsense(ui_db: Database) -> None:
    from careplan.domain.errors import CarePlanError

    assert policy.load_idle_seconds(ui_db) == policy.DEFAULT_SECONDS
    for bad in (-1, float("nan"), 10**9):
        with pytest.raises(CarePlanError, match="0 \\(off\\) to 1440 minutes"):
            policy.save_idle_seconds(ui_db, bad)
    assert policy.load_idle_seconds(ui_db) == policy.DEFAULT_SECONDS


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_render_the_lock_screen(qtbot, make_window, ui_db: Database, size: tuple[int, int], tmp_path: Path) -> None:
    window, _p = _locked_window(qtbot, make_window, ui_db)
    window.resize(*size)
    settle(qtbot)
    cover = window.idle_lock.cover
    assert cover.geometry().bottom() >= window.height() - 1 and cover.width() == window.width()
    out = Path(os.environ.get("CAREPLAN_SHOTS", tmp_path)) / f"idle-lock-{size[0]}x{size[1]}.png"
    assert window.grab().save(str(out))
