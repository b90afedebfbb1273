"""Least privilege on PostgreSQL: staff log in for real as their own roles, and the server refuses.

The test cluster (scripts/with-postgres) trusts logins on loopback, so a staff role logs in by
name alone and `session_user` is really that role (SET ROLE would not change it). Passwords and
refused logins: tests/test_pg_logins.py.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from careplan.cli import main
from careplan.persistence import db_problems, who
from careplan.persistence.engine import Database, open_database
from careplan.persistence.errors import DatabaseOpenError
from careplan.persistence.guard_state import guard_problems
from careplan.services import audit, plans, staff
from tests.history_builders import make_patient, plan_with

pytest.register_assert_rewrite("tests.pg_roles_fixtures")  # before it is imported below
from tests.pg_roles_fixtures import Clinic  # noqa: E402

pytest_plugins = ["tests.pg_roles_fixtures"]  # the clinic fixture
pytestmark = pytest.mark.pg
SCRAM_GROUP = "careplan_test_scram"


def _counts(db: Database) -> tuple[int, int]:
    with db.reading() as s:
        return (s.execute(text("SELECT count(*) FROM plan_revisions")).scalar_one(),
                s.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def test_an_editor_saves_under_the_printed_name_the_server_holds(clinic: Clinic) -> None:
    login = clinic.login("editor", "Nurse Ana Ruiz")
    db = open_database(clinic.url_for(login))
    try:
        assert db.server_name == "Nurse Ana Ruiz"
        rev = plans.save_revision(db, clinic.patient_id, base_revision=1,
                                  content=replace(plan_with(3), goals=()), author=db.server_name, reason="Review")
        assert rev.author == "Nurse Ana Ruiz"
        event = audit.list_events(db, limit=1)[0]
        assert (event.actor, event.login) == ("Nurse Ana Ruiz", login)  # the login, from the server itself
    finally:
        db.dispose()
    assert guard_problems_of(clinic.owner) == []  # the stamps are CarePlan's own, switched on


def guard_problems_of(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return guard_problems(conn)


REFUSED = {
    "update a revision": ("UPDATE plan_revisions SET reason = 'forged'", "42501"),
    "delete a revision": ("DELETE FROM plan_revisions", "42501"),
    "delete an audit event": ("DELETE FROM audit_events", "42501"),
    "truncate the audit log": ("TRUNCATE audit_events", "42501"),
    "drop a trigger": ("DROP TRIGGER plan_revisions_no_update ON plan_revisions", "42501"),
    "disable a trigger": ("ALTER TABLE plan_revisions DISABLE TRIGGER ALL", "42501"),
    "disable the stamp": ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_actor_stamp", "42501"),
    "replace a guard function": ("CREATE OR REPLACE FUNCTION careplan_append_only() RETURNS trigger "
                                 "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "42501"),
    "add a trigger": ("CREATE TRIGGER sneak BEFORE INSERT ON plan_revisions FOR EACH ROW "
                      "EXECUTE FUNCTION careplan_append_only()", "42501"),
    "alter a table": ("ALTER TABLE plan_revisions ADD COLUMN note text", "42501"),
    "create a table": ("CREATE TABLE shadow (id int)", "42501"),
    "write as another user": ("INSERT INTO audit_events (at, actor, action, entity, entity_key, details) "
                              "VALUES (now(), 'Dr Someone Else', 'plan.saved', 'plan', '', '{}')", who.NOT_THE_LOGIN),
    "claim another login": ("INSERT INTO audit_events (at, actor, action, entity, entity_key, details, login) "
                            "VALUES (now(), '', 'plan.saved', 'plan', '', '{}', 'careplan')", who.NOT_THE_LOGIN),
    "rename oneself in the staff table": ("UPDATE careplan_staff SET printed_name = 'Dr Someone Else'", "42501"),
    "change the catalogue": ("UPDATE catalogue_items SET title = 'changed'", "42501"),
    "add to the catalogue": ("INSERT INTO catalogue_items (code, discipline, title, role, version_id) "
                             "VALUES ('X1', 'physiotherapy', 'x', 'physio', 1)", "42501"),
    "become admin": ("SET ROLE careplan_admin", "42501"),
    "grant oneself more": ("GRANT careplan_admin TO CURRENT_USER", "42501"),
}


@pytest.mark.parametrize("attempt", sorted(REFUSED))
def test_the_server_refuses_an_editor(clinic: Clinic, attempt: str) -> None:
    statement, state = REFUSED[attempt]
    login = clinic.login("editor", "Nurse Ben Cole")
    before = _counts(clinic.owner)
    with clinic.connect(login) as conn:
        assert conn.execute("SELECT session_user").fetchone() == (login,)
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(statement)
    assert refused.value.sqlstate == state, refused.value
    sentence = db_problems.describe(refused.value, "the server", busy_seconds=1)
    assert sentence is not None and sentence.endswith("Nothing was changed.")
    assert _counts(clinic.owner) == before
    assert guard_problems_of(clinic.owner) == []


def test_a_temporary_staff_table_cannot_lend_an_editor_another_name(clinic: Clinic) -> None:
    login = clinic.login("editor", "Nurse Cara Dunn")
    with clinic.connect(login) as conn:
        conn.execute("CREATE TEMP TABLE careplan_staff (login name, printed_name text, role text, active bool)")
        conn.execute("INSERT INTO careplan_staff VALUES (session_user, 'Dr Someone Else', 'admin', true)")
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("INSERT INTO audit_events (at, actor, action, entity, entity_key, details) "
                         "VALUES (now(), 'Dr Someone Else', 'plan.saved', 'plan', '', '{}')")
        assert refused.value.sqlstate == who.NOT_THE_LOGIN
        conn.execute("INSERT INTO audit_events (at, actor, action, entity, entity_key, details) "
                     "VALUES (now(), '', 'plan.saved', 'plan', '', '{}')")  # an empty actor is filled in
    assert audit.list_events(clinic.owner, limit=1)[0].actor == "Nurse Cara Dunn"


def _refused_save(db: Database, clinic: Clinic, author: str) -> str:
    """Save a revision that the server must refuse; the one sentence the app shows for it."""
    with pytest.raises(Exception) as refused:
        plans.save_revision(db, clinic.patient_id, base_revision=1, content=replace(plan_with(3), goals=()),
                            author=author, reason="Review")
    sentence = db_problems.describe(refused.value, "the server", busy_seconds=1)
    assert sentence is not None, repr(refused.value)
    return sentence


def test_saving_as_someone_else_writes_nothing_and_says_why(clinic: Clinic) -> None:
    login = clinic.login("editor", "Nurse Dev Patel")
    db = open_database(clinic.url_for(login))
    before = _counts(clinic.owner)
    try:
        sentence = _refused_save(db, clinic, "Dr Someone Else")
    finally:
        db.dispose()
    assert "another person's name" in sentence and "Nurse Dev Patel" in sentence
    assert _counts(clinic.owner) == before  # nothing half-written


def test_a_viewer_reads_but_may_not_save(clinic: Clinic) -> None:
    login = clinic.login("viewer", "Clerk Eve Moss")
    db = open_database(clinic.url_for(login))
    try:
        assert plans.load_plan(db, clinic.patient_id).number == 1
        sentence = _refused_save(db, clinic, db.server_name or "")
    finally:
        db.dispose()
    assert "your CarePlan role does not allow it" in sentence


def test_an_admin_may_change_the_catalogue(clinic: Clinic) -> None:
    login = clinic.login("admin", "Dr Fay Admin")
    with clinic.connect(login) as conn:
        assert conn.execute("UPDATE catalogue_items SET edited_by = 'Dr Fay Admin' WHERE code = "
                            "(SELECT min(code) FROM catalogue_items)").rowcount == 1
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("UPDATE catalogue_items SET edited_by = 'Dr Someone Else'")
        assert refused.value.sqlstate == who.NOT_THE_LOGIN
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("ALTER TABLE catalogue_items DISABLE TRIGGER catalogue_items_edited_by_stamp")
        assert refused.value.sqlstate == "42501"


def test_a_staff_login_may_not_be_a_superuser_or_a_group(clinic: Clinic) -> None:
    with pytest.raises(staff.StaffError, match="superuser"):
        staff.add_user(clinic.owner, "careplan", "Owner", "editor", None)  # the test cluster's superuser
    with pytest.raises(staff.StaffError, match="group or reserved"):
        staff.add_user(clinic.owner, "careplan_admin", "X", "editor", None)
    with pytest.raises(staff.StaffError, match="printed name is empty"):
        staff.add_user(clinic.owner, "tnobody", "  ", "editor", None)


def test_admin_commands_on_the_command_line(clinic: Clinic, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import json

    login = f"tcli_{uuid.uuid4().hex[:8]}"
    clinic.logins.append(login)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    assert main(["admin", "init", "--db", clinic.url]) == 0  # again: idempotent
    assert main(["admin", "add-user", login, "--name", "Dr Ida Lund", "--role", "admin", "--password-stdin",
                 "--db", clinic.url]) == 0
    capsys.readouterr()
    assert main(["admin", "list-users", "--json", "--db", clinic.url]) == 0
    listed = {m["login"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed[login] == {"login": login, "name": "Dr Ida Lund", "role": "admin", "active": True,
                             "can_login": True, "valid_until": None, "expired": False}
    assert main(["admin", "disable-user", login, "--db", clinic.url]) == 0
    added, disabled = sorted((e for e in audit.list_events(clinic.owner, limit=5) if e.entity_key == login),
                             key=lambda e: e.id)
    assert (added.action, added.actor, added.details) == ("staff.added", "careplan",
                                                          {"name": "Dr Ida Lund", "role": "admin"})
    assert (disabled.action, disabled.login) == ("staff.disabled", "careplan")
    assert main(["admin", "disable-user", "tnosuchlogin", "--db", clinic.url]) == 2
    assert "is not a CarePlan user of this database" in capsys.readouterr().err


def test_a_daily_login_is_told_to_ask_for_the_upgrade_it_may_not_run(clinic: Clinic) -> None:
    login = clinic.login("editor", "Nurse Jo Park")
    with clinic.owner.engine.begin() as conn:  # as if this CarePlan were newer than the schema
        conn.execute(text("UPDATE alembic_version SET version_num = '0007_course_assessments'"))
    with pytest.raises(DatabaseOpenError, match=r"may not upgrade it: ask the clinic's IT to run `careplan admin "
                                                r"upgrade` as the database's owner\. Nothing was changed\."):
        open_database(clinic.url_for(login))
    with clinic.owner.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0007_course_assessments"


def test_admin_commands_refuse_an_sqlite_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "careplan.sqlite3"
    for argv in (["admin", "init"], ["admin", "list-users", "--json"], ["admin", "disable-user", "x"],
                 ["admin", "add-user", "x", "--name", "X", "--role", "editor", "--no-password"]):
        assert main([*argv, "--db", str(target)]) == 2
        err = capsys.readouterr().err
        assert "sets up logins and roles on a clinic's shared PostgreSQL server" in err
        assert "protected by this computer's own login. Nothing was changed." in err
    assert not target.exists()  # refused before anything opened (or created) it


@pytest.mark.parametrize("stamped", who.STAMPED, ids=lambda s: f"{s.table}.{s.column}")
def test_every_stamped_column_refuses_any_other_name(clinic: Clinic, stamped: who.Stamped) -> None:
    """Each declared (table, column), for generated names: only the login's own passes the stamp.

    The row is otherwise empty: the stamp runs before the server checks NOT NULL, so another name
    fails with the stamp's refusal and the login's own name gets as far as the NOT NULL check."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    login = clinic.login("admin", "Dr Lee Öztürk")  # admins may also write the catalogue
    own = login if stamped.mode == "login" else "Dr Lee Öztürk"
    insert = (f"INSERT INTO {stamped.table} SELECT (jsonb_populate_record(NULL::{stamped.table}, "
              f"jsonb_build_object('{stamped.column}', %s::text))).*")
    with clinic.connect(login) as conn:
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute(insert, (own,))

        @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200)
               .filter(lambda name: name != own))
        def refused(other: str) -> None:
            with pytest.raises(psycopg.Error) as error:
                conn.execute(insert, (other,))
            assert error.value.sqlstate == who.NOT_THE_LOGIN

        refused()


def test_the_command_line_records_the_servers_name_and_names_a_refusal(
        clinic: Clinic, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    login = clinic.login("editor", "Nurse Mo Reyes")
    monkeypatch.setenv("CAREPLAN_DB_URL", clinic.url_for(login))
    assert main(["patient", "add", "--mrn", "R-2", "--name", "Zoë New", "--born", "1970-01-02"]) == 0
    assert main(["apply-template", "R-2", "newly_diagnosed", "--reason", "First visit"]) == 0
    assert main(["assess", "R-1", "--weight", "70"]) == 0  # no --author: the server's printed name
    assert audit.list_events(clinic.owner, limit=1)[0].actor == "Nurse Mo Reyes"
    capsys.readouterr()
    assert main(["assess", "R-1", "--weight", "71", "--author", "Dr Someone Else"]) == 2
    assert "on a shared server everything is recorded under your own login's printed name" in capsys.readouterr().err
    assert main(["settings", "--clinic-name", "Elsewhere"]) == 2  # the clinic's settings are the admins'
    err = capsys.readouterr().err
    assert "(permission denied for table app_meta): your CarePlan role does not allow it" in err


def test_the_readme_setup_an_owner_with_createrole_not_a_superuser(pg_url: str) -> None:
    """The order the README gives the IT person: an owner role (CREATEROLE, not superuser) owns the
    schema, runs init and adds a user; the user saves, and cannot alter what the owner owns."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(pg_url)
    schema = base.query["options"].split("=", 1)[1]
    owner_login, editor_login = f"towner_{uuid.uuid4().hex[:8]}", f"ted_{uuid.uuid4().hex[:8]}"
    superuser = create_engine(base.set(query={}), isolation_level="AUTOCOMMIT")
    with superuser.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner_login}" LOGIN CREATEROLE'))
        conn.execute(text(f'ALTER SCHEMA {schema} OWNER TO "{owner_login}"'))
    owner_url = base.set(username=owner_login).render_as_string(hide_password=False)
    try:
        owner = open_database(owner_url)
        assert staff.init(owner).stamps
        staff.add_user(owner, editor_login, "Nurse Noa Berg", "editor", None)
        patient = make_patient(owner, "O-1")
        owner.dispose()
        editor = open_database(base.set(username=editor_login).render_as_string(hide_password=False))
        assert editor.server_name == "Nurse Noa Berg"
        assert plans.save_revision(editor, patient.id or 0, base_revision=0, content=plan_with(2),
                                   author="Nurse Noa Berg", reason="").author == "Nurse Noa Berg"
        with editor.engine.connect() as conn, pytest.raises(Exception) as refused:
            conn.execute(text("ALTER TABLE plan_revisions DISABLE TRIGGER ALL"))
        assert getattr(refused.value.orig, "sqlstate", None) == "42501"  # type: ignore[attr-defined]
        editor.dispose()
    finally:
        with superuser.connect() as conn:
            conn.execute(text(f"ALTER SCHEMA {schema} OWNER TO CURRENT_USER"))
            conn.execute(text(f'REASSIGN OWNED BY "{owner_login}" TO CURRENT_USER'))
            for login in (editor_login, owner_login):
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first():
                    conn.execute(text(f'DROP OWNED BY "{login}"'))
                    conn.execute(text(f'DROP ROLE "{login}"'))
        superuser.dispose()


def test_a_connection_dropped_mid_save_is_one_sentence_and_writes_nothing(clinic: Clinic) -> None:
    """The server ends the session in the middle of the save's transaction (as a restart would)."""
    login = clinic.login("editor", "Nurse Ola Dahl")
    with clinic.owner.engine.begin() as conn:  # as the owner: the session dies as the revision is inserted
        conn.execute(text("CREATE FUNCTION drop_me() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$"))
        conn.execute(text(f"CREATE TRIGGER drop_me BEFORE INSERT ON revision_items FOR EACH ROW "
                          f"WHEN (session_user = '{login}') EXECUTE FUNCTION drop_me()"))
    before = _counts(clinic.owner)
    db = open_database(clinic.url_for(login))
    try:
        sentence = _refused_save(db, clinic, "Nurse Ola Dahl")
    finally:
        db.dispose()
    assert sentence.startswith("The connection to the server was lost") and "none of it was written" in sentence
    assert _counts(clinic.owner) == before
