"""The one path from screens to data: no database on the GUI thread, one printout at a time,
saves made elsewhere noticed on both databases, and unexpected errors that keep the user's edits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from careplan.persistence.engine import Database, open_database
from careplan.services import catalogue as catalogue_service
from careplan.services import changes, plans, printing
from careplan.services.catalogue import sync_catalogue
from careplan.ui import crash, db_guard, export, export_dialog, restore_dialog
from careplan.ui.history_window import HistoryWindow

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import core_codes, new_patient, pick, press, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def save_plan(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.editor.saver.saved, timeout=10_000):
        window.editor.save()
    settle(qtbot)


def test_the_guard_refuses_database_work_on_the_gui_thread(ui_db: Database) -> None:
    # A test's own set-up may call services directly; code of the app (careplan.ui) may not.
    catalogue_service.list_items(ui_db)
    probe = {"__name__": "careplan.ui.probe", "list_items": catalogue_service.list_items, "db": ui_db}
    with pytest.raises(db_guard.GuiThreadDatabaseError, match="careplan.ui.probe"):
        exec("list_items(db)", probe)
    assert db_guard.violations
    db_guard.violations.clear()  # seen; the autouse check after the test would fail otherwise


def test_a_whole_session_never_touches_the_database_on_the_gui_thread(
        qtbot, make_window, ui_db, answers, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Open, edit, save, history, restore, catalogue edit, export: every statement on the worker."""
    from careplan.ui.catalogue_window import CatalogueWindow

    statements: list[str] = []

    def on_thread(*_: object) -> None:
        statements.append(threading.current_thread().name)

    from sqlalchemy import event

    event.listen(ui_db.engine, "before_cursor_execute", on_thread)
    p = new_patient(ui_db)
    statements.clear()  # from here on, only what the app does
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    a, b = core_codes(window)[:2]
    pick(qtbot, window, a)
    save_plan(qtbot, window)
    pick(qtbot, window, b)
    answers.reason = "Added b"
    save_plan(qtbot, window)
    press(qtbot, window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    history = window.findChild(HistoryWindow)
    settle(qtbot)
    monkeypatch.setattr(restore_dialog, "ask_restore_reason", lambda *_: "Back to one item")
    history.table.clearSelection()
    history.table.selectRow(1)
    with qtbot.waitSignal(history.restored, timeout=10_000):
        history.restore_button.click()
    settle(qtbot)
    assert window.editor.doc.base_number == 3  # no edits open: the editor followed the restore
    history.close()
    window.actions["catalogue"].trigger()
    catalogue = window.findChild(CatalogueWindow)
    settle(qtbot)
    catalogue.form.title.selectAll()
    from tests.ui_fixtures import type_text

    type_text(catalogue.form.title, "Reworded here")
    with qtbot.waitSignal(window.changesApplied, timeout=10_000):
        catalogue.save_button.click()
    settle(qtbot)
    catalogue.close()
    monkeypatch.setattr(export_dialog, "ask_export_options",
                        lambda *_: export_dialog.PrintoutChoice(tmp_path / "plan.pdf", False, "a4"))
    revealed: list[Path] = []
    monkeypatch.setattr(export, "reveal_folder", revealed.append)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(revealed), timeout=20_000)
    settle(qtbot)
    event.remove(ui_db.engine, "before_cursor_execute", on_thread)
    assert statements, "the session read and wrote nothing?"
    assert threading.main_thread().name not in statements
    assert db_guard.violations == []


def test_a_second_ctrl_e_while_a_pdf_is_made_does_nothing(
        qtbot, make_window, ui_db, answers, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    save_plan(qtbot, window)
    asked: list[int] = []

    def ask(_parent: object, _suggested: Path, number: int) -> export_dialog.PrintoutChoice:
        asked.append(number)
        return export_dialog.PrintoutChoice(tmp_path / f"plan-{len(asked)}.pdf", False, "a4")

    monkeypatch.setattr(export_dialog, "ask_export_options", ask)
    release, started = threading.Event(), threading.Event()
    real_export = printing.export_plan_pdf

    def slow_export(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(30)  # held until the test has pressed Ctrl+E again: no sleeps, no timing
        return real_export(*args, **kwargs)

    monkeypatch.setattr(printing, "export_plan_pdf", slow_export)
    revealed: list[Path] = []
    monkeypatch.setattr(export, "reveal_folder", revealed.append)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(started.is_set)
    assert export.export_running()
    window.actions["export"].trigger()  # the second Ctrl+E
    window.actions["export"].trigger()  # and a third
    assert asked == [1]  # not even asked where to save again
    assert "Still making the PDF" in window.statusBar().currentMessage()
    release.set()
    qtbot.waitUntil(lambda: bool(revealed), timeout=20_000)
    settle(qtbot)
    assert revealed == [tmp_path / "plan-1.pdf"] and not (tmp_path / "plan-2.pdf").exists()
    assert not export.export_running()


@pytest.fixture
def pg_ui_db(pg_url: str) -> Iterator[Database]:
    db = open_database(pg_url)
    sync_catalogue(db)
    db_guard.install(db)
    yield db
    # Windows on this database close before its schema is dropped (qtbot would close them later).
    from PySide6.QtWidgets import QApplication

    from careplan.ui.main_window import MainWindow

    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow) and w.db is db:
            w._closing = True
            w.close()
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def any_ui_db(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue("ui_db" if request.param == "sqlite" else "pg_ui_db")  # type: ignore[no-any-return]


def test_a_save_made_elsewhere_is_noticed_and_said(qtbot, make_window, any_ui_db, answers) -> None:  # type: ignore[no-untyped-def]
    """As the CLI or another coordinator would: a write through the services, not through this window."""
    db = any_ui_db
    p = new_patient(db)
    other = new_patient(db, "P-2", "Other Person")
    window = make_window(db)
    window.open_patient(p.id)
    settle(qtbot)
    code = core_codes(window)[0]
    item = window.editor.catalogue[code]
    from careplan.domain.plan import ItemStatus, PlanContent, PlanItem

    content = PlanContent(items=(PlanItem(uid=code, catalogue_code=code, discipline=item.discipline,
                                          title=item.title, caregiver_instructions=item.caregiver_instructions,
                                          status=ItemStatus.PLANNED),))
    with qtbot.waitSignal(window.watcher.noticed, timeout=15_000):
        plans.save_revision(db, p.id, base_revision=0, content=content, author="Nurse Elsewhere", reason="")
    # No edits open here: the plan shows the new revision, and the window says who saved it.
    qtbot.waitUntil(lambda: window.editor.doc.base_number == 1, timeout=10_000)
    assert [i.key for i in window.editor.doc.content.items] == [code]
    said = window.elsewhere_label.toolTip()
    assert "Nurse Elsewhere saved revision 1 of this plan" in said
    assert "Changes from elsewhere loaded at" in window.elsewhere_label.text()
    # The patient list follows too (its plan column), through the same signal.
    qtbot.waitUntil(lambda: window.patients.model.rowCount() == 2 and any(
        window.patients.model.summary(r).revisions == 1 for r in range(2)), timeout=10_000)

    # With unsaved edits nothing moves under the user's hands: a bar says who saved.
    pick(qtbot, window, core_codes(window)[1])
    with qtbot.waitSignal(window.watcher.noticed, timeout=15_000):
        plans.save_revision(db, p.id, base_revision=1, content=content, author="Nurse Elsewhere", reason="Again")
    bar = window.editor.revision_bar
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    assert "Nurse Elsewhere saved revision 2" in bar.text.text()
    assert window.editor.doc.base_number == 1 and window.editor.doc.modified

    # Another patient's details, and the catalogue: counted, never named.
    from dataclasses import replace

    from careplan.services.patients import update_patient

    with qtbot.waitSignal(window.watcher.noticed, timeout=15_000) as noticed:
        update_patient(db, replace(other, full_name="Renamed Elsewhere"), actor="cli")
        catalogue_service.edit_item(db, code, {"title": "Reworded elsewhere"}, actor="cli")
    qtbot.waitUntil(lambda: window.editor.catalogue[code].title == "Reworded elsewhere", timeout=10_000)
    assert "Renamed Elsewhere" not in window.elsewhere_label.toolTip()
    assert noticed.args[0].catalogue or "catalogue" in window.elsewhere_label.toolTip()
    answers.save_changes = "discard"


def test_own_saves_are_not_announced_as_made_elsewhere(qtbot, make_window, ui_db, answers) -> None:  # type: ignore[no-untyped-def]
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    noticed: list[object] = []
    window.watcher.noticed.connect(lambda c, e: noticed.append(c))
    pick(qtbot, window, core_codes(window)[0])
    save_plan(qtbot, window)
    window.watcher.check()  # look now rather than at the next tick
    settle(qtbot)
    window.watcher.check()
    settle(qtbot)
    assert noticed == [] and window.elsewhere_label.text() == ""


def test_an_unexpected_error_keeps_the_edits_as_a_draft(qtbot, make_window, ui_db, answers, caplog) -> None:  # type: ignore[no-untyped-def]
    p = new_patient(ui_db, name="Zelda Secretname")
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    window.editor.saver.autosave.stop()
    window.editor.saver.autosave.setInterval(3_600_000)  # only the error handler may write the draft
    pick(qtbot, window, core_codes(window)[0])
    assert plans.load_draft(ui_db, p.id, "Nurse Test") is None
    try:
        raise RuntimeError("boom in a slot for Zelda Secretname")
    except RuntimeError as e:
        crash.excepthook(RuntimeError, e, e.__traceback__)
    qtbot.waitUntil(lambda: bool(answers.errors), timeout=10_000)
    draft = plans.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and [i.key for i in draft.content.items] == [core_codes(window)[0]]
    assert "kept as a draft" in answers.errors[0] and "RuntimeError" in answers.errors[0]
    assert len(answers.errors) == 1  # one dialog
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "careplan.crash")
    assert "RuntimeError" in logged and "Secretname" not in logged  # no patient names in the log
    assert window.editor.doc.modified  # the edits are still on screen too
    answers.save_changes = "discard"


def test_changes_merge_and_say_what_they_touch() -> None:
    a = changes.Changes.plan(1, 3, "Nurse A")
    b = changes.Changes(catalogue=True)
    both = a | b
    assert both.touches_plan(1) and not both.touches_plan(2) and both.touches_catalogue()
    assert both.touches_patient_list() and both.latest_revision(1) == (3, "Nurse A")
    assert not changes.NOTHING.anything() and both.anything()
    assert changes.Changes(everything=True).touches_plan(99)


def test_history_and_audit_windows_follow_saves_made_elsewhere(qtbot, make_window, ui_db, answers) -> None:  # type: ignore[no-untyped-def]
    from careplan.ui.audit_window import AuditWindow

    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    save_plan(qtbot, window)
    press(qtbot, window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    history = window.findChild(HistoryWindow)
    window.actions["audit"].trigger()
    audit_window = window.findChild(AuditWindow)
    settle(qtbot)
    assert len(history.model.rows) == 1
    events_before = audit_window.model.rowCount()
    state = plans.load_plan(ui_db, p.id)
    plans.save_revision(ui_db, p.id, base_revision=1, content=state.latest.content, author="Nurse Elsewhere",
                        reason="Seen at home")
    qtbot.waitUntil(lambda: len(history.model.rows) == 2, timeout=10_000)
    assert history.model.rows[0].author == "Nurse Elsewhere"
    qtbot.waitUntil(lambda: audit_window.model.rowCount() == events_before + 1, timeout=10_000)
    assert audit_window.model.events[0].actor == "Nurse Elsewhere"
    qtbot.waitUntil(lambda: window.editor.doc.base_number == 2, timeout=10_000)  # no edits: it follows
    history.close()
    audit_window.close()


def test_an_exclusive_operation_is_not_queued_twice(qtbot) -> None:  # type: ignore[no-untyped-def]
    from careplan.ui.operations import QueryOp

    release = threading.Event()
    results: list[str] = []
    first = QueryOp(None, lambda: release.wait(30) and "first").exclusive("printout").success(results.append)
    assert first.run_in_background()
    second = QueryOp(None, lambda: "second").exclusive("printout").success(results.append)
    assert not second.run_in_background()  # refused while the first runs
    other_kind = QueryOp(None, lambda: "other").exclusive("import").success(results.append)
    assert other_kind.run_in_background()
    release.set()
    qtbot.waitUntil(lambda: len(results) == 2)
    assert results == ["first", "other"]
    assert QueryOp(None, lambda: "again").exclusive("printout").success(results.append).run_in_background()
    qtbot.waitUntil(lambda: results[-1] == "again")


@pytest.mark.pg
def test_audit_events_notify_on_commit_only_and_carry_no_names(pg_url: str) -> None:
    """What the PostgreSQL listener hears: one NOTIFY per audit event, after commit, ids and action only."""
    import json

    import psycopg
    from sqlalchemy.engine import make_url

    from careplan.services.audit import CHANGES_CHANNEL, record

    db = open_database(pg_url)
    try:
        conninfo = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANGES_CHANNEL}")
            p = new_patient(db, "N-1", "Nadia Secretname")
            heard = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=1)]
            assert heard == [{"action": "patient.created", "patient_id": p.id, "entity": "patient"}]
            with pytest.raises(RuntimeError), db.transaction() as s:
                record(s, "t", "plan.saved", entity="plan", entity_key="N-1", patient_id=p.id)
                raise RuntimeError("rolled back")
            assert list(listener.notifies(timeout=0.5, stop_after=1)) == []  # nothing for a rollback
        events = changes.events_after(db, 0)
        assert changes.changes_from_events(events).patients == {p.id}
    finally:
        db.dispose()


def test_a_save_of_the_same_plan_elsewhere_is_not_taken_for_our_own() -> None:
    from datetime import UTC, datetime

    from careplan.services.changes import Changes, SeenEvent
    from careplan.ui.change_watcher import explained_by

    ours = Changes.plan(7, 3, "Nurse Here")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert explained_by(ours, SeenEvent(1, at, "Nurse Here", "plan.saved", 7, 3))
    assert not explained_by(ours, SeenEvent(2, at, "Nurse There", "plan.saved", 7, 4))
    assert not explained_by(ours, SeenEvent(3, at, "Nurse There", "plan.saved", 8, 1))
    assert not explained_by(ours, SeenEvent(4, at, "cli", "catalogue.edited", None, None))
    assert not explained_by(ours, SeenEvent(5, at, "cli", "data.imported", None, None))
    assert explained_by(Changes(catalogue=True, audit=True), SeenEvent(6, at, "me", "catalogue.edited", None, None))
