"""Signing in from the app when the server asks for a password, and the access log kept for admins
(issue 16): the real dialog, driven with qtbot, against a SCRAM login on the throwaway cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from careplan.cli import main
from careplan.persistence.engine import open_database
from careplan.persistence.errors import DatabaseOpenError, PasswordNeededError
from careplan.services.access import ADMINS_ONLY
from careplan.ui.audit_window import AuditWindow
from careplan.ui.sign_in import SignInDialog
from tests.conftest import IN_CI

pytest.register_assert_rewrite("tests.pg_roles_fixtures", "tests.ui_fixtures")  # before they are imported
from tests.pg_roles_fixtures import Clinic  # noqa: E402
from tests.test_pg_logins import SCRAM_GROUP, _memory_keyring, _scram_login  # noqa: E402
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.pg_roles_fixtures"]  # the clinic fixture
pytestmark = pytest.mark.pg
PASSWORD = "tangerine <b>&omega 42"  # typed key by key: ASCII (QTest cannot type Ω offscreen)


def _needs_password(url: str) -> PasswordNeededError:
    try:
        open_database(url).dispose()
    except PasswordNeededError as e:
        return e
    if IN_CI:
        pytest.fail(f"the test cluster let a login in without its password: {SCRAM_GROUP} must use SCRAM")
    pytest.skip(f"this PostgreSQL trusts every login; scripts/with-postgres makes {SCRAM_GROUP} use SCRAM")


def _sign_in_with(qtbot, dialog: SignInDialog, typed: str) -> None:  # type: ignore[no-untyped-def]
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, typed)
    dialog.sign_in_button.click()


def test_the_dialog_opens_the_server_with_the_typed_password_and_remembers_it_only_once_accepted(
        qtbot, clinic: Clinic, _private_data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    import keyring

    login = _scram_login(clinic, PASSWORD)
    url = clinic.url_for(login)
    needed = _needs_password(url)
    assert not needed.refused and "asks for the login" in str(needed)
    store = _memory_keyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(store)  # type: ignore[arg-type]
    try:
        dialog = SignInDialog(url, needed)
        qtbot.addWidget(dialog)
        assert dialog.login.text() == login
        assert dialog.password.echoMode() is QLineEdit.EchoMode.Password
        assert not dialog.error.isVisibleTo(dialog)  # "none was given" is why the dialog is here, not a problem
        assert not dialog.sign_in_button.isEnabled()  # an empty password is never sent
        dialog.remember.setChecked(True)
        _sign_in_with(qtbot, dialog, PASSWORD + "x")
        assert dialog.db is None and dialog.result() == 0
        shown = dialog.error.text()
        assert "refused the password for the login" in shown and dialog.error.isVisibleTo(dialog)
        assert PASSWORD not in shown and PASSWORD not in dialog.windowTitle()
        assert store.stored == {}  # type: ignore[attr-defined]  # refused: nothing remembered

        _sign_in_with(qtbot, dialog, PASSWORD)
        assert dialog.result() == SignInDialog.DialogCode.Accepted and dialog.db is not None
        assert dialog.db.server_name == "Nurse Gil Ortiz"
        assert PASSWORD not in dialog.db.describe() and dialog.password.text() == ""
        assert list(store.stored.values()) == [PASSWORD]  # type: ignore[attr-defined]
        dialog.db.dispose()
        on_disk = b"".join(p.read_bytes() for p in _private_data_dir.rglob("*") if p.is_file())
        assert PASSWORD.encode() not in on_disk
        # Next time the store has it: no dialog at all.
        remembered = open_database(url)
        assert remembered.server_name == "Nurse Gil Ortiz"
        remembered.dispose()
    finally:
        keyring.set_keyring(previous)


def test_a_refused_remembered_password_is_said_at_once_and_cancel_keeps_the_sentence(
        qtbot, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    login = _scram_login(clinic, PASSWORD)
    needed = _needs_password(clinic.url_for(login, "stale one"))
    assert needed.refused and "stale one" not in str(needed)
    dialog = SignInDialog(clinic.url_for(login, "stale one"), needed)
    qtbot.addWidget(dialog)
    assert dialog.error.isVisibleTo(dialog) and "refused the password" in dialog.error.text()
    dialog.remember.setChecked(True)
    dialog.buttons.rejected.emit()
    assert dialog.result() == 0 and dialog.db is None
    assert dialog.last_sentence == str(needed)


def test_only_admins_see_the_access_log_on_an_initialised_server(
        qtbot, clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    editor = clinic.login("editor", "Nurse Ida Park")
    admin = clinic.login("admin", "Dr Ada Admin")
    assert main(["audit", "--access", "--db", clinic.url_for(editor)]) == 2
    assert ADMINS_ONLY in capsys.readouterr().err
    assert main(["audit", "--db", clinic.url_for(editor)]) == 0  # the rest of the log stays open to them
    assert main(["audit", "--access", "--json", "--db", clinic.url_for(admin)]) == 0
    capsys.readouterr()

    editor_db = open_database(clinic.url_for(editor))
    window = AuditWindow(editor_db)
    qtbot.addWidget(window)
    qtbot.waitUntil(window.access_only.isEnabled)  # its role is asked in the background
    window.access_only.setChecked(True)
    assert not window.access_only.isChecked()
    assert window.filter_error.isVisibleTo(window) and window.filter_error.text() == ADMINS_ONLY
    window.close()
    editor_db.dispose()

    admin_db = open_database(clinic.url_for(admin))
    window = AuditWindow(admin_db)
    qtbot.addWidget(window)
    qtbot.waitUntil(window.access_only.isEnabled)
    window.access_only.setChecked(True)
    assert window.access_only.isChecked() and not window.filter_error.isVisibleTo(window)
    settle(qtbot)  # the filtered read must run before the test's schema is dropped, not after
    window.close()
    admin_db.dispose()


def test_a_server_that_is_down_is_not_a_password_question(clinic: Clinic) -> None:
    with pytest.raises(DatabaseOpenError) as refused:
        open_database("postgresql://nobody@127.0.0.1:1/none")
    assert not isinstance(refused.value, PasswordNeededError)


def test_the_app_where_nobody_can_type_exits_with_the_sentence_instead_of_waiting(
        clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    login = _scram_login(clinic, PASSWORD)
    _needs_password(clinic.url_for(login))
    assert main(["--exit-after-startup", "--db", clinic.url_for(login)]) == 2  # offscreen: no dialog to answer
    err = capsys.readouterr().err
    assert err.startswith("careplan: The server ") and f"asks for the login {login}'s password" in err
