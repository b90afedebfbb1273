"""Issue 16's bad input, on the user's path: a coordinator's window on the shared server, logged in
as a staff login for real, when the server drops the connection mid-save, disables the login, or
takes its grant away, and when the idle lock is given a wrong password.

Each must say one sentence naming the problem, keep the edits (in the editor, and as the draft
whenever the server accepts one), and leave nothing half-written: the revision, its items, its
signature and its audit row are one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from careplan.persistence.engine import Database, open_database
from careplan.services import plans, staff
from tests.conftest import IN_CI

pytest.register_assert_rewrite("tests.pg_roles_fixtures", "tests.ui_fixtures")  # before they are imported
from tests.pg_roles_fixtures import Clinic  # noqa: E402
from tests.test_pg_logins import _expect_a_password_refused, _scram_login  # noqa: E402
from tests.ui_fixtures import Answers, core_codes, pick, settle  # noqa: E402

pytest_plugins = ["tests.pg_roles_fixtures", "tests.ui_fixtures"]
pytestmark = pytest.mark.pg
NAME = "Nurse Eve Lund"
HISTORY_TABLES = ("plan_revisions", "revision_items", "revision_signatures", "audit_events")


def _counts(owner: Database) -> dict[str, int]:
    with owner.reading() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in HISTORY_TABLES}


@pytest.fixture(autouse=True)
def _clinic_outlives_the_windows(clinic: Clinic) -> Iterator[None]:
    """Set up before make_window, so torn down after it: the windows close and their background reads
    finish before the test's schema is dropped. (Tests name make_window first, which tore the clinic
    down first: a prompts read still running then found no guideline_rules table.)"""
    yield


@pytest.fixture
def staff_db(clinic: Clinic) -> Iterator[tuple[Database, str]]:
    login = clinic.login("editor", NAME)
    db = open_database(clinic.url_for(login))
    yield db, login
    db.dispose()


def _edited_window(qtbot, make_window, answers: Answers, db: Database, clinic: Clinic):  # type: ignore[no-untyped-def]
    answers.reason = "Review after clinic"
    window = make_window(db, name=NAME)
    window.open_patient(clinic.patient_id)
    settle(qtbot)
    in_plan = {item.catalogue_code for item in window.editor.doc.content.items}
    pick(qtbot, window, next(c for c in core_codes(window) if c not in in_plan))
    assert window.editor.doc.modified
    messages: list[str] = []
    window.editor.message.connect(messages.append)
    return window, messages


def _save_and_read_the_sentence(qtbot, window, answers: Answers) -> str:  # type: ignore[no-untyped-def]
    answers.errors.clear()
    window.editor.save()
    qtbot.waitUntil(lambda: bool(answers.errors) and not window.editor.saver.saving, timeout=20_000)
    assert len(answers.errors) == 1, answers.errors
    sentence = answers.errors[0]
    assert sentence.endswith("Your edits are still here."), sentence
    assert "\n" not in sentence and "SQL" not in sentence and "INSERT" not in sentence, sentence
    assert window.editor.doc.modified, "the edits stay in the editor"
    return sentence


def _draft(clinic: Clinic) -> plans.Draft | None:
    return plans.load_draft(clinic.owner, clinic.patient_id, NAME)


def test_the_server_dropping_the_connection_mid_save(qtbot, make_window, answers: Answers, clinic: Clinic,
                                                     staff_db: tuple[Database, str]) -> None:
    """The owner ends the editor's session from outside (pg_terminate_backend) while its save is
    inside the transaction: the revision and its items are written, the signature is waiting."""
    db, login = staff_db
    window, _messages = _edited_window(qtbot, make_window, answers, db, clinic)
    before = _counts(clinic.owner)
    holder = clinic.owner.engine.connect()
    watcher = clinic.owner.engine.connect()
    try:
        hold = holder.begin()
        holder.execute(text("LOCK TABLE revision_signatures IN SHARE MODE"))  # blocks inserts, not reads
        window.editor.save()

        def waiting_save() -> int | None:
            row = watcher.execute(text(
                "SELECT a.pid FROM pg_stat_activity a WHERE a.usename = :login AND a.wait_event_type = 'Lock' "
                "AND EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = a.pid "
                "AND c.relname = 'revision_items' AND l.mode = 'RowExclusiveLock' AND l.granted)"),
                {"login": login}).first()
            watcher.commit()
            return row[0] if row else None

        qtbot.waitUntil(lambda: waiting_save() is not None, timeout=20_000)  # half-way: items in, signature not
        pid = waiting_save()
        assert watcher.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        watcher.commit()
        qtbot.waitUntil(lambda: bool(answers.errors) and not window.editor.saver.saving, timeout=20_000)
        hold.rollback()
    finally:
        holder.close()
        watcher.close()
    assert len(answers.errors) == 1
    sentence = answers.errors[0]
    assert sentence.startswith("The connection to ") and "none of it was written" in sentence, sentence
    assert sentence.endswith("Your edits are still here.") and window.editor.doc.modified
    assert _counts(clinic.owner) == before, "nothing half-written"
    # The server is back (a new connection): the autosave keeps the edits as the draft...
    qtbot.waitUntil(lambda: _draft(clinic) is not None, timeout=20_000)
    draft = _draft(clinic)
    assert draft is not None and draft.content == window.editor.doc.content
    # ...and saving again works, once.
    answers.errors.clear()
    window.editor.save()
    qtbot.waitUntil(lambda: not window.editor.doc.modified, timeout=20_000)
    after = _counts(clinic.owner)
    assert after["plan_revisions"] == before["plan_revisions"] + 1 and not answers.errors


def test_a_login_disabled_while_editing(qtbot, make_window, answers: Answers, clinic: Clinic,
                                        staff_db: tuple[Database, str]) -> None:
    db, login = staff_db
    window, messages = _edited_window(qtbot, make_window, answers, db, clinic)
    staff.disable_user(clinic.owner, login)
    before = _counts(clinic.owner)  # after the disabling, which is audited itself
    sentence = _save_and_read_the_sentence(qtbot, window, answers)
    assert "not an active CarePlan user" in sentence and "Ask the clinic's CarePlan administrator" in sentence
    assert _counts(clinic.owner) == before
    # The server takes no draft from a disabled login either: the status line says so in words.
    qtbot.waitUntil(lambda: any(m.startswith("Could not keep a safety copy") for m in messages), timeout=20_000)
    refused = next(m for m in messages if m.startswith("Could not keep a safety copy"))
    assert "not an active CarePlan user" in refused and "INSERT" not in refused, refused
    assert window.editor.doc.modified


def test_a_login_whose_grant_is_taken_away_while_editing(qtbot, make_window, answers: Answers, clinic: Clinic,
                                                        staff_db: tuple[Database, str]) -> None:
    db, login = staff_db
    window, _messages = _edited_window(qtbot, make_window, answers, db, clinic)
    before = _counts(clinic.owner)
    with clinic.owner.engine.begin() as conn:  # an administrator makes them a viewer meanwhile
        conn.execute(text(f'REVOKE careplan_editor FROM "{login}"'))
        conn.execute(text(f'GRANT careplan_viewer TO "{login}"'))
    sentence = _save_and_read_the_sentence(qtbot, window, answers)
    assert sentence.startswith("The server refused this to your login (permission denied for table "), sentence
    assert "your CarePlan role does not allow it" in sentence
    assert _counts(clinic.owner) == before


def test_the_idle_lock_on_the_server_refuses_a_wrong_password_and_keeps_the_edits(
        qtbot, make_window, answers: Answers, clinic: Clinic) -> None:
    password = "lock screen <b>&"
    login = _scram_login(clinic, password)
    if not IN_CI and _expect_a_password_refused(clinic.url_for(login, "not it")) == "":
        pytest.skip("this cluster does not ask for passwords")
    db = open_database(clinic.url_for(login, password))
    try:
        window, _messages = _edited_window(qtbot, make_window, answers, db, clinic)
        window.idle_lock.lock()
        cover = window.idle_lock.cover
        assert cover.entry.echoMode() == cover.entry.EchoMode.Password
        cover.entry.setText("not it")
        cover.unlock_button.click()
        qtbot.waitUntil(lambda: bool(cover.error.text()) and cover.unlock_button.isEnabled(), timeout=20_000)
        assert "refused the password" in cover.error.text() and "not it" not in cover.error.text()
        assert window.idle_lock.locked
        draft = plans.load_draft(clinic.owner, clinic.patient_id, "Nurse Gil Ortiz")
        assert draft is not None and draft.content == window.editor.doc.content, "locking kept the draft"
        cover.entry.setText(password)
        cover.unlock_button.click()
        qtbot.waitUntil(lambda: not window.idle_lock.locked, timeout=20_000)
        assert window.editor.doc.modified
    finally:
        db.dispose()


def test_a_viewer_reads_the_plan_and_cannot_start_edits_the_server_would_refuse(
        qtbot, make_window, answers: Answers, clinic: Clinic) -> None:
    from careplan.ui.lifecycle import VIEWER_READ_ONLY, banner_of

    login = clinic.login("viewer", "Dr Vera Sol")
    db = open_database(clinic.url_for(login))
    try:
        assert db.server_role == "viewer"
        before = _counts(clinic.owner)
        window = make_window(db, name="Dr Vera Sol")
        window.open_patient(clinic.patient_id)
        settle(qtbot)
        editor = window.editor
        assert editor.read_only_reason == VIEWER_READ_ONLY
        banner = banner_of(editor)
        assert banner.isVisible() and banner.text.text() == VIEWER_READ_ONLY
        assert not editor.picker.isEnabled() and not editor.fields.isEnabled()
        assert len(editor.doc.content.items) == 3, "the plan is there to read"
        opened = _counts(clinic.owner)
        assert opened == {**before, "audit_events": before["audit_events"] + 1}, "only the viewer's opening is recorded"
        with clinic.owner.reading() as s:
            last = s.execute(text("SELECT action, login FROM audit_events ORDER BY id DESC LIMIT 1")).one()
        assert tuple(last) == ("patient.opened", login)
        editor.save()
        settle(qtbot)
        assert not editor.doc.modified and not answers.errors and _counts(clinic.owner) == opened
    finally:
        db.dispose()
