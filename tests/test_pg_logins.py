"""Logging in to the shared server: right and wrong passwords, a disabled or unknown login, and a
password remembered in the OS password store only when asked.

Members of careplan_test_scram must give a SCRAM password on the test cluster (scripts/with-postgres);
every other login is trusted on loopback.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from careplan.cli import main
from careplan.persistence import db_problems
from careplan.persistence.engine import open_database
from careplan.persistence.errors import DatabaseOpenError
from careplan.services import plans, staff
from tests.conftest import IN_CI
from tests.history_builders import plan_with

pytest.register_assert_rewrite("tests.pg_roles_fixtures")  # before it is imported below
from tests.pg_roles_fixtures import Clinic  # noqa: E402

pytest_plugins = ["tests.pg_roles_fixtures"]  # the clinic fixture
pytestmark = pytest.mark.pg
SCRAM_GROUP = "careplan_test_scram"


def _scram_login(clinic: Clinic, password: str) -> str:
    login = clinic.login("editor", "Nurse Gil Ortiz", password=password)
    with clinic.owner.engine.begin() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": SCRAM_GROUP}).first():
            conn.execute(text(f"CREATE ROLE {SCRAM_GROUP} NOLOGIN"))
        conn.execute(text(f'GRANT {SCRAM_GROUP} TO "{login}"'))
    return login


@pytest.mark.parametrize("password", ["correct horse battery", "pässwörd ünïcode"])
def test_a_wrong_password_is_one_clear_sentence(clinic: Clinic, password: str) -> None:
    login = _scram_login(clinic, password)
    db = open_database(clinic.url_for(login, password))  # the verifier computed here matches the server's
    assert db.server_name == "Nurse Gil Ortiz"
    db.dispose()
    message = _expect_a_password_refused(clinic.url_for(login, password + "x"))
    assert message.startswith("The server ") and "refused the password for the login" in message
    assert password not in message


def _expect_a_password_refused(url: str) -> str:
    try:
        open_database(url).dispose()
    except DatabaseOpenError as e:
        return str(e)
    if IN_CI:
        pytest.fail("the test cluster let a login in without its password: scripts/with-postgres must make "
                    f"{SCRAM_GROUP} log in with SCRAM")
    pytest.skip(f"this PostgreSQL trusts every login; scripts/with-postgres makes {SCRAM_GROUP} use SCRAM")


def test_an_expired_login_is_one_clear_sentence_and_the_owner_sees_why(
        clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    """VALID UNTIL in the past: the server refuses even the right password, and tells the client
    only that the password failed. The sentence says "wrong or expired"; `admin list-users` says which."""
    import json

    from careplan.services import idle_lock

    password = "right but expired"
    login = _scram_login(clinic, password)
    db = open_database(clinic.url_for(login, password))  # still valid: a session opened before the expiry
    with clinic.owner.engine.begin() as conn:
        conn.execute(text(f"ALTER ROLE \"{login}\" VALID UNTIL '2001-02-03 04:05:06+00'"))
    try:
        message = _expect_a_password_refused(clinic.url_for(login, password))
        assert "refused the password for the login" in message and "(wrong or expired)" in message
        assert password not in message and message.endswith("Nothing was opened.")
        # The idle lock re-authenticates through a new connection: the same sentence, still locked.
        assert idle_lock.sign_in_problem(db, password, printed_name="Nurse Gil Ortiz", login=login) == message
    finally:
        db.dispose()
    assert main(["admin", "list-users", "--json", "--db", clinic.url]) == 0
    listed = {m["login"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed[login]["expired"] is True and listed[login]["valid_until"].startswith("2001-02-03T04:05:06")
    assert main(["admin", "list-users", "--db", clinic.url]) == 0
    assert f"{login}\tNurse Gil Ortiz\teditor\tpassword expired 2001-02-03" in capsys.readouterr().out


def test_a_disabled_login_is_refused_and_keeps_its_name_in_history(clinic: Clinic) -> None:
    login = clinic.login("editor", "Nurse Hal Kim")
    db = open_database(clinic.url_for(login))
    plans.save_revision(db, clinic.patient_id, base_revision=1, content=replace(plan_with(3), goals=()),
                        author="Nurse Hal Kim", reason="Review")
    staff.disable_user(clinic.owner, login)
    with pytest.raises(Exception) as refused:  # a session still open may no longer write
        plans.save_revision(db, clinic.patient_id, base_revision=2, content=plan_with(3), author="Nurse Hal Kim",
                            reason="Again")
    db.dispose()
    assert "not an active CarePlan user" in (db_problems.describe(refused.value, "x", busy_seconds=1) or "")
    with pytest.raises(DatabaseOpenError, match="is disabled on"):
        open_database(clinic.url_for(login))
    latest = plans.load_plan(clinic.owner, clinic.patient_id).latest
    assert latest is not None and latest.author == "Nurse Hal Kim"
    members = {m.login: m for m in staff.list_users(clinic.owner)}
    assert (members[login].active, members[login].can_login, members[login].name) == (False, False, "Nurse Hal Kim")


def test_an_unknown_login_is_one_clear_sentence(clinic: Clinic) -> None:
    with pytest.raises(DatabaseOpenError) as refused:
        open_database(clinic.url_for(f"tnobody_{uuid.uuid4().hex[:8]}"))
    assert " does not know the login tnobody_" in str(refused.value)
    assert str(refused.value).endswith("(careplan admin add-user). Nothing was opened.")


def _memory_keyring() -> object:
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.stored: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.stored.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.stored[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.stored.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    return MemoryKeyring()


def test_a_password_is_remembered_only_when_asked_and_only_in_the_password_store(
        clinic: Clinic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        _private_data_dir: Path) -> None:

    import keyring

    store = _memory_keyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(store)  # type: ignore[arg-type]
    try:
        login = _scram_login(clinic, "open sesame")
        monkeypatch.setenv("CAREPLAN_DB_URL", clinic.url_for(login))
        _expect_a_password_refused(clinic.url_for(login))  # nothing remembered: the server wants one
        monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
        assert main(["password", "--remember", "--password-stdin"]) == 2
        assert "refused the password" in capsys.readouterr().err
        assert store.stored == {}  # type: ignore[attr-defined]
        monkeypatch.setattr("sys.stdin", io.StringIO("open sesame\n"))
        assert main(["password", "--remember", "--password-stdin"]) == 0
        db = open_database(clinic.url_for(login))  # the password comes from the store
        assert db.server_name == "Nurse Gil Ortiz"
        db.dispose()
        assert list(store.stored.values()) == ["open sesame"]  # type: ignore[attr-defined]
        on_disk = b"".join(p.read_bytes() for p in _private_data_dir.rglob("*") if p.is_file())
        assert b"open sesame" not in on_disk
        assert main(["password", "--forget"]) == 0
        assert store.stored == {}  # type: ignore[attr-defined]
    finally:
        keyring.set_keyring(previous)


def test_without_a_password_store_remember_says_where_else_to_keep_it(
        clinic: Clinic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:

    import keyring
    from keyring.backends.fail import Keyring as NoStore

    previous = keyring.get_keyring()
    keyring.set_keyring(NoStore())  # a server with no desktop session: no Secret Service to talk to
    try:
        login = _scram_login(clinic, "open sesame")
        monkeypatch.setenv("CAREPLAN_DB_URL", clinic.url_for(login))
        monkeypatch.setattr("sys.stdin", io.StringIO("open sesame\n"))
        assert main(["password", "--remember", "--password-stdin"]) == 2
        assert "password store refused the password (NoKeyringError); keep it in ~/.pgpass" in capsys.readouterr().err
    finally:
        keyring.set_keyring(previous)
    assert main(["password", "--remember", "--db", str(Path(clinic.owner.describe()).name + ".sqlite3")]) == 2
    assert "A password is remembered for a login on a PostgreSQL server" in capsys.readouterr().err


def test_the_idle_lock_asks_the_server_again(clinic: Clinic) -> None:
    """A staff login unlocks with its password, checked by the server through a fresh connection;
    a wrong one is one sentence that never repeats what was typed. SQLite-style name checks do
    not apply here: typing the printed name is not a password."""
    from careplan.services import idle_lock

    password = "locked screen pw"
    login = _scram_login(clinic, password)
    db = open_database(clinic.url_for(login, password))
    try:
        assert idle_lock.uses_server_sign_in(db)
        assert idle_lock.sign_in_problem(db, password, printed_name="Nurse Gil Ortiz", login=login) is None
        if not IN_CI and _expect_a_password_refused(clinic.url_for(login, "not it")) == "":
            pytest.skip("this cluster does not ask for passwords")
        for wrong in ("not it", "Nurse Gil Ortiz", ""):
            problem = idle_lock.sign_in_problem(db, wrong, printed_name="Nurse Gil Ortiz", login=login)
            assert problem is not None and "password" in problem, wrong
            assert not wrong or wrong not in (problem or "")
    finally:
        db.dispose()
    owner_view = clinic.owner  # the owner is not a staff login: unlocked by name, as on SQLite
    assert not idle_lock.uses_server_sign_in(owner_view)
