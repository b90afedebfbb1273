"""Fixtures for the coordinator's screens: one factory builds the main window on a real SQLite
database, with isolated settings, and registers it with qtbot.

Every question the app can ask goes through a small function; here they answer from a script
(`answers`) and fail the test if a question comes that the test did not expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from careplan.persistence.engine import Database, open_database
from careplan.services.catalogue import sync_catalogue
from careplan.services.template_store import sync_templates

CANCEL = object()  # an answer meaning "the user pressed Cancel"


@dataclass
class Answers:
    """Scripted replies; None means "this question should not be asked"."""

    reason: str | None = None
    first_reason: str | None = "First clinic assessment"  # revision 1 asks too (issue 12); None: must not ask
    save_changes: str | None = None
    recover_draft: str | None = None
    startup_recovery: bool | None = None
    save_before: bool | None = None
    name: str | None = None
    conflict: Callable[[Any, Any, Any], bool] | None = None
    asked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reason_prefills: list[str] = field(default_factory=list)  # what each reason box started with

    def take(self, what: str, value: Any) -> Any:
        self.asked.append(what)
        if value is None:
            raise AssertionError(f"unexpected question: {what}")
        return None if value is CANCEL else value


@pytest.fixture
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "settings"
    monkeypatch.setenv("CAREPLAN_SETTINGS_DIR", str(folder))
    return folder


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    from careplan.ui import conflict_dialog, dialog_kit, identity, prompts

    a = Answers()
    def ask_reason(parent: Any, number: int, prefill: str = "") -> Any:
        a.reason_prefills.append(prefill)
        return a.take(f"reason {number}", a.first_reason if number == 1 else a.reason)

    monkeypatch.setattr(prompts, "ask_reason", ask_reason)
    monkeypatch.setattr(prompts, "ask_save_changes", lambda parent, name: a.take("save changes", a.save_changes))
    monkeypatch.setattr(prompts, "ask_recover_draft",
                        lambda parent, name, saved_at, note="": a.take("recover draft", a.recover_draft))
    monkeypatch.setattr(prompts, "offer_startup_recovery",
                        lambda parent, lines: a.take("startup recovery: " + "; ".join(lines), a.startup_recovery))
    monkeypatch.setattr(prompts, "ask_save_before", lambda parent, what: a.take("save before", a.save_before))
    monkeypatch.setattr(dialog_kit, "show_error", lambda parent, title, message: a.errors.append(message))
    monkeypatch.setattr(identity, "ask_name", lambda parent, current: a.take("name", a.name))
    monkeypatch.setattr(conflict_dialog, "ask_conflict",
                        lambda parent, error, mine: a.take("conflict", a.conflict)(parent, error, mine))
    return a


def settle(qtbot: Any, timeout: int = 10_000) -> None:
    """Wait until every queued read or write has run and delivered, and no search is waiting for a pause."""
    from PySide6.QtWidgets import QApplication

    from careplan.ui import operations

    def quiet() -> bool:
        # Screens that wait for a pause in typing say so with a `busy` property.
        waiting = [w for w in QApplication.allWidgets() if isinstance(getattr(type(w), "busy", None), property)]
        return operations.idle() and not any(w.busy for w in waiting)

    qtbot.waitUntil(quiet, timeout=timeout)


@pytest.fixture(autouse=True)
def _patient_dialogs_close_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A patient dialog a test leaves open with typed changes is closed at teardown: discard them.

    Tests about that question replace this answer themselves (tests/test_ui_dialog_input.py).
    """
    from careplan.ui import prompts

    monkeypatch.setattr(prompts, "ask_discard_patient_changes", lambda parent: True)


@pytest.fixture(autouse=True)
def _no_database_on_the_gui_thread() -> Iterator[None]:
    """Every UI test fails if the app touched the database from the GUI thread (ui/db_guard.py)."""
    from careplan.ui import db_guard

    db_guard.violations.clear()
    yield
    assert not db_guard.violations, f"database used on the GUI thread: {db_guard.violations}"


@pytest.fixture
def ui_db(sqlite_url: str) -> Iterator[Database]:
    from careplan.ui import db_guard

    db = open_database(sqlite_url)
    sync_catalogue(db)
    sync_templates(db)
    db_guard.install(db)
    yield db
    db.dispose()


@pytest.fixture
def make_window(qtbot: Any, ui_db: Database, settings_dir: Path, answers: Answers) -> Iterator[Callable[..., Any]]:
    """make_window(db=None, name="Nurse Test", offer_recovery=False) -> a shown MainWindow."""
    import shiboken6

    from careplan.ui.identity import remember_name
    from careplan.ui.main_window import MainWindow
    from careplan.ui.settings import make_settings

    def factory(db: Database | None = None, *, name: str | None = "Nurse Test", offer_recovery: bool = False,
                show: bool = True) -> MainWindow:
        settings = make_settings()
        if name:
            remember_name(settings, name)
        window = MainWindow(db or ui_db, settings, offer_recovery=offer_recovery)
        window.editor.saver.autosave.setInterval(50)

        opened.append(window)
        if show:
            with qtbot.waitActive(window):  # shortcuts only reach the active window
                window.show()
                window.activateWindow()
        settle(qtbot)  # the first reads (patients, catalogue) arrive from the worker
        return window

    opened: list[MainWindow] = []
    yield factory
    # Close every window the test left open, so none stays subscribed into later tests. (A
    # holder widget given to qtbot.addWidget did this before, but qtbot keeps only a weak
    # reference to it, so it was collected and the windows stayed.)
    for window in opened:
        # A test may have destroyed the window itself (a simulated crash); otherwise close it
        # without questions: the test decided about unsaved edits already.
        if shiboken6.isValid(window):
            window._closing = True
            window.ops.wait()
            window.close()
            window.deleteLater()
    settle(qtbot)


def fill_patient(qtbot: Any, dialog: Any, *, name: str = "", mrn: str = "", birth: str = "",
                 caregivers: list[tuple[str, str, str, str]] = (), team: list[tuple[str, Any, str]] = ()) -> None:
    """Type into the patient dialog like a user: text boxes by keyboard, table cells in place."""
    from PySide6.QtCore import Qt

    if name:
        type_text(dialog.name, name)
    if mrn:
        type_text(dialog.mrn, mrn)
    if birth:
        type_text(dialog.birth.edit, birth)
    for values in caregivers:
        qtbot.mouseClick(dialog.caregivers.add_button, Qt.MouseButton.LeftButton)
        row = dialog.caregivers.table.rowCount() - 1
        for col, text in enumerate(values):
            dialog.caregivers.table.item(row, col).setText(text)
    for member_name, role, phone in team:
        qtbot.mouseClick(dialog.team.add_button, Qt.MouseButton.LeftButton)
        row = dialog.team.table.rowCount() - 1
        dialog.team.table.item(row, 0).setText(member_name)
        combo = dialog.team.role_combo(row)
        combo.setCurrentIndex(combo.findData(role.value))
        dialog.team.table.item(row, 2).setText(phone)


def dialog_driver(qtbot: Any, fill: Callable[[Any], None]) -> Callable[..., Any]:
    """A stand-in for patient_dialog.edit_patient that drives the real dialog without exec()."""
    from PySide6.QtCore import Qt

    from careplan.ui.patient_dialog import PatientDialog

    def edit_patient(parent: Any, db: Database, actor: str, patient: Any = None) -> Any:
        dialog = PatientDialog(db, actor, patient, parent)
        qtbot.addWidget(dialog)
        dialog.show()
        fill(dialog)
        settle(qtbot)  # the "is this MRN taken?" check runs once typing pauses
        assert dialog.save_button.isEnabled(), dialog.blocked.text()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        settle(qtbot)  # the save runs on the worker
        return dialog.result_patient

    return edit_patient


def type_text(widget: Any, text: str) -> None:
    """Type any text, emoji and right-to-left included (QTest.keyClicks only knows ASCII keys)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch == "\n":
            key, t = Qt.Key.Key_Return, "\r"
        else:
            key, t = Qt.Key.Key_unknown, ch
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, t))


def core_codes(window: Any) -> list[str]:
    """The first catalogue item of each of the five core disciplines, in discipline order."""
    from careplan.domain.disciplines import DISCIPLINE_ORDER

    chosen = []
    for d in DISCIPLINE_ORDER[:5]:
        chosen.append(next(c.code for c in window.editor.catalogue.values() if c.discipline == d))
    return chosen


def pick(qtbot: Any, window: Any, code: str, how: str = "double-click") -> None:
    """Add a catalogue item the way a user does: double-click it, or select it and press Enter."""
    from PySide6.QtCore import Qt

    picker = window.editor.picker
    index = picker.index_of(code)
    assert index.isValid(), f"{code} is not shown in the picker"
    picker.tree.scrollTo(index)
    if how == "double-click":
        at = picker.tree.visualRect(index).center()
        # A real double-click is press, release, double-click, release; QTest sends only the
        # double-click part, and item views ignore one that did not start with a press there.
        qtbot.mouseClick(picker.tree.viewport(), Qt.MouseButton.LeftButton, pos=at)
        qtbot.mouseDClick(picker.tree.viewport(), Qt.MouseButton.LeftButton, pos=at)
    else:
        picker.tree.setFocus()
        picker.tree.setCurrentIndex(index)
        qtbot.keyClick(picker.tree, Qt.Key.Key_Return)


def new_patient(db: Database, mrn: str = "P-1", name: str = "Alice Example") -> Any:
    from careplan.domain.patient import Caregiver, Patient, TeamMember
    from careplan.domain.team import Role
    from careplan.services.patients import create_patient

    return create_patient(db, Patient(
        mrn=mrn, full_name=name, caregivers=[Caregiver("Bob Example", "Husband", "07700 900001")],
        care_team=[TeamMember("Dr Kim", Role.NEUROLOGIST, "020 7946 0100"),
                   TeamMember("Pat Physio", Role.PHYSIOTHERAPIST, "020 7946 0101")]), actor="setup")


def press(qtbot: Any, window: Any, key: Any, modifiers: Any) -> None:
    """A keyboard shortcut sent to whatever has focus in the window, as a user would press it."""
    from PySide6.QtWidgets import QApplication

    if not window.isActiveWindow():
        with qtbot.waitActive(window):
            window.activateWindow()
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifiers)
