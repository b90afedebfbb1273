"""The idle lock and the app's other windows (issue 16 part 6): when the lock starts, no window
may still show a patient, a modal dialog included, and after signing in every window is back as
it was, with what the user had typed in it.

A modal dialog runs its own event loop (exec()): the checks run inside it, from a timer, and
record what they saw; the test asserts after exec() returned, so a failure cannot leave the
dialog open.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget

from careplan.persistence.engine import Database
from careplan.services import idle_lock as policy
from careplan.ui.audit_window import AuditWindow
from careplan.ui.history_window import HistoryWindow
from careplan.ui.idle_lock import LOCKED_TITLE
from careplan.ui.lock_curtains import Curtain, SignInOnTop
from careplan.ui.patient_dialog import PatientDialog

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import core_codes, new_patient, pick, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]
NAME = "Alice Example"
TYPED = "Typed before the lock <b>&"  # keyClicks types ASCII only


def _window_with_patient(qtbot, make_window, ui_db: Database):
    policy.save_idle_seconds(ui_db, 0)  # only the test locks
    p = new_patient(ui_db, name=NAME)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    window.editor.save()
    qtbot.waitUntil(lambda: window.editor.doc.base_number == 1)
    return window, p


def _inside_modal(qtbot, kind: type[QWidget], check: Callable[[QWidget], None]) -> list[BaseException]:
    """Run `check(dialog)` once the modal dialog of `kind` is open; errors are returned, not raised,
    and the dialog is always closed so exec() returns."""
    errors: list[BaseException] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(20, run)  # not shown yet
            return
        try:
            check(dialog)
        except BaseException as e:  # noqa: BLE001 (handed to the test to raise outside exec())
            errors.append(e)
        finally:
            dialog.setEnabled(True)
            dialog.reject()

    QTimer.singleShot(0, run)
    return errors


def _shows_only_its_curtain(w: QWidget) -> bool:
    """The window's picture is exactly its curtain's: nothing beneath shows through."""
    curtains = [c for c in w.findChildren(Curtain) if c.parentWidget() is w and c.isVisible()]
    if len(curtains) != 1:
        return False
    return w.grab().toImage() == curtains[0].grab().toImage()


def _sign_in(qtbot, window, text: str = "Nurse Test") -> None:
    entry = window.idle_lock.cover.entry
    assert entry.isVisible() and entry.isEnabled() and entry.window().isVisible()
    entry.setText(text)
    window.idle_lock.cover.unlock_button.click()
    qtbot.waitUntil(lambda: not window.idle_lock.locked)


def test_a_modal_dialog_is_covered_and_given_back_with_what_was_typed(qtbot, make_window, ui_db: Database) -> None:
    window, p = _window_with_patient(qtbot, make_window, ui_db)
    window.show_history()  # window-modal (open()): blocks the main window
    settle(qtbot)
    history = window.findChild(HistoryWindow)
    assert history is not None and history.isVisible() and NAME in history.windowTitle()
    seen: dict[str, object] = {}

    def check(dialog: QWidget) -> None:
        assert isinstance(dialog, PatientDialog)
        dialog.language.setFocus()
        qtbot.keyClicks(dialog.language, TYPED)
        window.idle_lock.lock()
        settle(qtbot)
        # Nothing with the patient is visible: the dialogs are covered, titles name no one.
        for w in (dialog, history):
            assert w.isVisible(), "a modal dialog is covered, never closed: closing would lose its text"
            assert _shows_only_its_curtain(w), f"{type(w).__name__} shows through its curtain"
            assert w.windowTitle() == LOCKED_TITLE and not w.isEnabled()
        # Screens refreshing behind a curtain cannot put the patient back into the title.
        history.setWindowTitle(f"Plan history \u2014 {NAME}")
        assert history.windowTitle() == LOCKED_TITLE
        # A message box that pops up while locked (a save's error arriving) is covered as it shows.
        box = QMessageBox(QMessageBox.Icon.Warning, f"About {NAME}", f"{NAME} ({p.mrn})",
                          QMessageBox.StandardButton.Ok, window)
        box.open()
        settle(qtbot)
        assert box.isVisible() and _shows_only_its_curtain(box) and box.windowTitle() == LOCKED_TITLE
        # The form to sign in sits on top of every modal dialog, the late one too: it takes the keystrokes.
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), SignInOnTop))
        top = QApplication.activeModalWidget()
        assert isinstance(top, SignInOnTop) and window.idle_lock.cover.entry.window() is top
        top.reject()  # Escape does not unlock
        assert top.isVisible() and window.idle_lock.locked
        _sign_in(qtbot, window)
        seen["typed"] = dialog.language.text()
        seen["focus"] = dialog.focusWidget() is dialog.language
        seen["dialog"] = (dialog.isVisible(), dialog.isEnabled(), dialog.windowTitle())
        seen["box"] = (box.isVisible(), box.isEnabled(), box.windowTitle(), _curtains(box))
        seen["history_title"] = history.windowTitle()
        seen["cover form back"] = window.idle_lock.cover.entry.window() is window
        box.close()

    errors = _inside_modal(qtbot, PatientDialog, check)
    window.edit_patient()  # exec(): returns when check() closes the dialog
    if errors:
        raise errors[0]
    assert seen["typed"] == TYPED and seen["focus"], "what was typed is still there, the cursor with it"
    assert seen["dialog"] == (True, True, "Edit patient")
    assert seen["box"] == (True, True, f"About {NAME}", 0)
    assert seen["history_title"] == f"Plan history \u2014 {NAME}", "the title set while locked is given back"
    assert seen["cover form back"]
    assert history.isVisible() and history.isEnabled() and _curtains(history) == 0
    history.close()


def _curtains(w: QWidget) -> int:
    return sum(1 for c in w.findChildren(Curtain) if c.isVisible())


def test_windows_that_are_not_modal_hide_and_come_back(qtbot, make_window, ui_db: Database) -> None:
    window, _p = _window_with_patient(qtbot, make_window, ui_db)
    window.show_audit()  # show(): not modal
    settle(qtbot)
    audit = window.findChild(AuditWindow)
    assert audit is not None and audit.isVisible()
    window.idle_lock.lock()
    assert not audit.isVisible()
    # Without a modal dialog the main window's own cover takes the sign-in.
    assert window.idle_lock.cover.entry.window() is window and QApplication.activeModalWidget() is None
    _sign_in(qtbot, window)
    assert audit.isVisible() and audit.windowTitle() == "Audit log"
    audit.close()


def test_typing_in_a_dialog_is_use(qtbot, make_window, ui_db: Database) -> None:
    """Filling in a patient's details for the whole idle time must not lock the app under the user."""
    window, _p = _window_with_patient(qtbot, make_window, ui_db)
    policy.save_idle_seconds(ui_db, 60)
    window.idle_lock.reload_policy()
    qtbot.waitUntil(lambda: window.idle_lock.timer.isActive())
    seen: list[int] = []

    def check(dialog: QWidget) -> None:
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
        window.idle_lock.timer.start(50_000)  # as if most of the minute had passed
        qtbot.keyClick(dialog.windowHandle(), Qt.Key.Key_A)
        seen.append(window.idle_lock.timer.interval())

    errors = _inside_modal(qtbot, PatientDialog, check)
    window.edit_patient()
    if errors:
        raise errors[0]
    assert seen == [60_000], "a keystroke in the dialog starts the count again"


def _screen_picture(window: QWidget, size: tuple[int, int]) -> QImage:
    """What a coordinator sees: every visible window of the app painted where it stands."""
    picture = QPixmap(*size)
    picture.fill(Qt.GlobalColor.darkGray)
    painter = QPainter(picture)
    origin = window.geometry().topLeft()
    windows = [window] + [w for w in QApplication.topLevelWidgets()
                          if w is not window and w.isVisible() and w.isWindow()]
    for w in windows:
        painter.drawPixmap(w.geometry().topLeft() - origin, w.grab())
    painter.end()
    return picture.toImage()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_render_the_lock_over_a_modal_dialog(qtbot, make_window, ui_db: Database, size: tuple[int, int],
                                            tmp_path: Path) -> None:
    window, _p = _window_with_patient(qtbot, make_window, ui_db)
    window.resize(*size)
    settle(qtbot)
    out = Path(os.environ.get("CAREPLAN_SHOTS", tmp_path)) / f"idle-lock-dialog-{size[0]}x{size[1]}.png"

    def check(dialog: QWidget) -> None:
        qtbot.keyClicks(dialog.findChildren(QLineEdit)[0], TYPED)
        window.idle_lock.lock()
        settle(qtbot)
        assert _screen_picture(window, size).save(str(out))
        _sign_in(qtbot, window)

    errors = _inside_modal(qtbot, PatientDialog, check)
    window.edit_patient()
    if errors:
        raise errors[0]
    assert out.exists()


def _open_clinic(window) -> None:
    from careplan.ui.clinic_dialog import open_clinic_dialog

    open_clinic_dialog(window, window.db)


OPENERS = {
    "catalogue": lambda window: window.show_catalogue(),
    "templates": lambda window: window.actions["templates"].trigger(),
    "assessments": lambda window: window.show_assessments(),
    "clinic details": _open_clinic,
    "history and audit log": lambda window: (window.show_audit(), window.show_history()),
}


@pytest.mark.parametrize("which", sorted(OPENERS))
def test_every_other_window_is_hidden_or_covered_and_given_back(qtbot, make_window, ui_db: Database,
                                                                which: str) -> None:
    window, _p = _window_with_patient(qtbot, make_window, ui_db)
    OPENERS[which](window)
    settle(qtbot)
    opened = [w for w in QApplication.topLevelWidgets() if w is not window and w.isVisible()]
    assert opened, f"{which} opened no window"
    titles = [w.windowTitle() for w in opened]
    window.idle_lock.lock()
    settle(qtbot)
    for w in opened:
        assert not w.isVisible() or (_shows_only_its_curtain(w) and w.windowTitle() == LOCKED_TITLE), \
            f"{type(w).__name__} still shows while locked"
    _sign_in(qtbot, window)
    settle(qtbot)
    assert [w.windowTitle() for w in opened] == titles
    assert all(w.isVisible() and w.isEnabled() and _curtains(w) == 0 for w in opened)
    for w in opened:
        w.close()


def test_a_file_dialog_is_covered_and_keeps_the_typed_file_name(qtbot, make_window, ui_db: Database,
                                                                tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFileDialog

    from careplan.ui.export_dialog import ask_save_path

    window, p = _window_with_patient(qtbot, make_window, ui_db)
    seen: list[object] = []

    def check(dialog: QWidget) -> None:
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")
        assert name_box is not None and p.mrn in name_box.text(), "the suggested name carries the MRN"
        name_box.setText(f"{p.mrn}-typed.pdf")
        window.idle_lock.lock()
        settle(qtbot)
        assert dialog.isVisible() and _shows_only_its_curtain(dialog)
        _sign_in(qtbot, window)
        seen.append(name_box.text())

    errors = _inside_modal(qtbot, QFileDialog, check)
    assert ask_save_path(window, tmp_path / f"careplan-{p.mrn}-r1.pdf") is None  # check() cancels it
    if errors:
        raise errors[0]
    assert seen == [f"{p.mrn}-typed.pdf"]


def test_the_idle_time_running_out_inside_a_dialog_locks_over_it(qtbot, make_window, ui_db: Database) -> None:
    """The real path: no one calls lock(); the clinic's idle time runs out while the dialog's own
    event loop runs."""
    window, _p = _window_with_patient(qtbot, make_window, ui_db)
    seen: list[object] = []

    def check(dialog: QWidget) -> None:
        assert isinstance(dialog, PatientDialog)
        qtbot.keyClicks(dialog.language, TYPED)
        window.idle_lock.seconds = 0.2  # as if read from the clinic's setting (no database here: GUI thread)
        window.idle_lock.restart()
        qtbot.waitUntil(lambda: window.idle_lock.locked, timeout=10_000)
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), SignInOnTop))
        seen.append(_shows_only_its_curtain(dialog))
        _sign_in(qtbot, window)  # unlocking re-reads the setting, 0: no second lock
        seen.append(dialog.language.text())

    errors = _inside_modal(qtbot, PatientDialog, check)
    window.edit_patient()
    if errors:
        raise errors[0]
    assert seen == [True, TYPED]
