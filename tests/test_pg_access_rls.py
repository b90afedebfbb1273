"""Access events are for admins, enforced by the server (issue 16 part 5; persistence/audit_access.py).

Staff log in for real (the throwaway cluster trusts loopback logins, so `session_user` is that
role). A viewer or editor reads no access event with plain SQL, in `careplan audit` or in the
audit window, while an admin and the owner do; yet their `careplan check` still verifies the
whole chain and finds an access entry the owner removed or altered behind the guards' back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from careplan.cli import main
from careplan.persistence.audit_access import (
    ACCESS_ACTIONS,
    ACCESS_FUNCTION,
    FUNCTIONS,
    LINKS_FUNCTION,
    POLICIES,
)
from careplan.persistence.engine import Database, open_database
from careplan.services import access, audit, plans
from careplan.services.check import check_database
from careplan.ui.audit_window import AuditWindow
from tests.history_builders import plan_with

pytest.register_assert_rewrite("tests.pg_roles_fixtures", "tests.ui_fixtures")  # before they are imported
from tests.pg_roles_fixtures import Clinic  # noqa: E402
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.pg_roles_fixtures"]  # the clinic fixture
pytestmark = pytest.mark.pg
# Text that tests the server's JSON against Python's: markup, quotes, escapes, controls, emoji, RTL.
HOSTILE = ["<b>&amp;</b>", 'quote " and \\ back', "tab\tnew\nline\r\x01\x1f\x7f", "emoji 🧪👩🏽‍⚕️",
           "עברית العربية", "\u2028\u2029\ufeff", "é" * 150]


def _record_access(db: Database, patient_id: int, actor: str = "Owner Setup") -> None:
    """One of each access event, written as the owner (the actor is free: the owner is not staff)."""
    access.record_opened(db, patient_id, actor=actor)
    with db.transaction() as s:
        audit.record(s, actor, "pdf.exported", entity="plan", entity_key="R-1", patient_id=patient_id,
                     details={"file": "plan <b>.pdf"})
        audit.record(s, actor, "data.exported", entity="plan", entity_key="R-1", patient_id=patient_id)


def _actions(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT action FROM audit_events ORDER BY id")]


@pytest.fixture
def staffed(clinic: Clinic) -> Iterator[dict[str, str]]:
    _record_access(clinic.owner, clinic.patient_id)
    yield {role: clinic.login(role, f"Staff {role.title()}") for role in ("viewer", "editor", "admin")}


def test_plain_sql_shows_access_events_to_admins_and_the_owner_only(clinic: Clinic, staffed: dict[str, str]) -> None:
    with clinic.owner.reading() as s:
        everything = [r[0] for r in s.execute(text("SELECT action FROM audit_events ORDER BY id"))]
    assert set(ACCESS_ACTIONS) <= set(everything)
    for role in ("viewer", "editor"):
        with clinic.connect(staffed[role]) as conn:
            seen = _actions(conn)
            assert seen == [a for a in everything if a not in ACCESS_ACTIONS], role
            assert "plan.saved" in seen
            hidden = conn.execute("SELECT count(*) FROM audit_events WHERE action = ANY(%s)",
                                  [list(ACCESS_ACTIONS)]).fetchone()
            assert hidden == (0,), role
            # Switching row security off does not show the rows: the server refuses the query instead.
            conn.execute("SET row_security = off")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT count(*) FROM audit_events")
    with clinic.connect(staffed["admin"]) as conn:
        assert _actions(conn) == everything


def test_an_editor_records_access_and_links_past_what_they_cannot_see(clinic: Clinic,
                                                                      staffed: dict[str, str]) -> None:
    editor = open_database(clinic.url_for(staffed["editor"]))
    try:
        assert editor.server_name is not None
        access.record_opened(editor, clinic.patient_id, actor=editor.server_name)  # INSERT is still allowed
        assert audit.list_events(editor, actions=ACCESS_ACTIONS) == []  # ... yet they cannot read it back
        # The newest entry is one they cannot see; the save's entry must link to it all the same.
        plans.save_revision(editor, clinic.patient_id, base_revision=1, content=plan_with(4),
                            author=editor.server_name, reason="Review")
        report = check_database(editor)
        assert report.ok, report.problems
    finally:
        editor.dispose()
    owners = check_database(clinic.owner)
    assert owners.ok, owners.problems
    assert report.audit_events_checked == owners.audit_events_checked  # every entry, seen or not
    assert report.audit.as_json() == owners.audit.as_json()  # a seal made by either matches the other
    opened = [e for e in audit.list_events(clinic.owner, actions=ACCESS_ACTIONS) if e.actor == "Staff Editor"]
    assert [(e.action, e.login) for e in opened] == [("patient.opened", staffed["editor"])]


def test_careplan_audit_lists_access_to_admins_only(clinic: Clinic, staffed: dict[str, str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    def listed(login: str) -> set[str]:
        capsys.readouterr()
        assert main(["audit", "--json", "--limit", "1000", "--db", clinic.url_for(login)]) == 0
        return {r["action"] for r in json.loads(capsys.readouterr().out)}

    for role in ("viewer", "editor"):
        seen = listed(staffed[role])
        assert "plan.saved" in seen and not seen & set(ACCESS_ACTIONS), role
    assert set(ACCESS_ACTIONS) <= listed(staffed["admin"])


def test_the_audit_window_of_an_editor_shows_no_access_rows(qtbot, clinic: Clinic,  # type: ignore[no-untyped-def]
                                                           staffed: dict[str, str]) -> None:
    for role, shows_access in (("editor", False), ("admin", True)):
        db = open_database(clinic.url_for(staffed[role]))
        window = AuditWindow(db)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda w=window: w.model.rowCount() > 0, timeout=10_000)
        shown = {e.action for e in window.model.events}
        assert "plan.saved" in shown
        assert bool(shown & set(ACCESS_ACTIONS)) is shows_access, role
        settle(qtbot)  # its background reads (the role, more rows) end before the schema is dropped
        window.close()
        db.dispose()


TAMPERING = {
    # The owner (or a superuser) can switch the guard off; the chain still tells.
    "altered": ("UPDATE audit_events SET entity_key = 'R-2' WHERE id = {id}", "its content does not match its hash"),
    "removed": ("DELETE FROM audit_events WHERE id = {id}", "does not link to the entry before it"),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_an_editors_check_finds_an_access_entry_tampered_with_by_the_owner(
        clinic: Clinic, staffed: dict[str, str], capsys: pytest.CaptureFixture[str], how: str) -> None:
    editor_url = clinic.url_for(staffed["editor"])
    assert main(["check", "--json", "--db", editor_url]) == 0
    capsys.readouterr()
    with clinic.owner.engine.begin() as conn:
        target = conn.execute(text("SELECT id FROM audit_events WHERE action = 'pdf.exported'")).scalar_one()
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        conn.execute(text(TAMPERING[how][0].format(id=target)))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    assert main(["check", "--json", "--db", editor_url]) == 1
    found = json.loads(capsys.readouterr().out)["problems"]
    wanted = target if how == "altered" else target + 1
    assert any(p.startswith(f"Audit log, entry {wanted}: {TAMPERING[how][1]}") for p in found), found


POLICY_BREAKS = {
    "an extra policy": ("CREATE POLICY sneak ON audit_events FOR SELECT TO careplan_viewer USING (true)",
                        "Unexpected policy sneak on audit_events"),
    "row security off": ("ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY", "Row-level security is off"),
    "a widened policy": ("ALTER POLICY careplan_audit_changes ON audit_events USING (true)",
                         "Access policy careplan_audit_changes on audit_events is not the one"),
    "a lying function": (f"CREATE OR REPLACE FUNCTION {LINKS_FUNCTION}() RETURNS TABLE (id integer, prev_hash "
                         "text, hash text, content_ok boolean) LANGUAGE sql STABLE SECURITY DEFINER AS $$ "
                         "SELECT a.id, a.prev_hash, a.hash, true FROM audit_events a ORDER BY a.id $$",
                         f"Audit function {LINKS_FUNCTION} is not the one CarePlan installed"),
}


@pytest.mark.parametrize("how", sorted(POLICY_BREAKS))
def test_check_reports_the_access_policy_broken_and_admin_upgrade_restores_it(
        clinic: Clinic, staffed: dict[str, str], capsys: pytest.CaptureFixture[str], how: str) -> None:
    statement, problem = POLICY_BREAKS[how]
    with clinic.owner.engine.begin() as conn:
        conn.execute(text(statement))
    if how != "a lying function":
        with clinic.connect(staffed["editor"]) as conn:
            assert set(ACCESS_ACTIONS) <= set(_actions(conn))  # what the policy was there to stop
    capsys.readouterr()
    assert main(["check", "--json", "--db", clinic.url_for(staffed["editor"])]) == 1
    assert any(p.startswith(problem) for p in json.loads(capsys.readouterr().out)["problems"])
    with clinic.owner.engine.begin() as conn:
        conn.execute(text("DROP POLICY IF EXISTS sneak ON audit_events"))
    assert main(["admin", "upgrade", "--db", clinic.url]) == 0
    with clinic.connect(staffed["editor"]) as conn:
        assert not set(ACCESS_ACTIONS) & set(_actions(conn))
    assert main(["check", "--db", clinic.url_for(staffed["editor"])]) == 0


def test_the_servers_list_of_access_actions_is_the_apps(clinic: Clinic) -> None:
    with clinic.owner.reading() as s:
        for action in audit.ACTIONS:
            server = s.execute(text(f"SELECT {ACCESS_FUNCTION}(:a)"), {"a": action}).scalar_one()
            assert server is (action in ACCESS_ACTIONS), action


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=300))
def test_the_servers_json_strings_are_pythons(clinic: Clinic, value: str) -> None:
    """The server recomputes hidden entries' hashes from its own JSON: it must be byte for byte Python's."""
    with clinic.owner.reading() as s:
        assert s.execute(text("SELECT to_json(CAST(:v AS text))::text"), {"v": value}).scalar_one() == \
            json.dumps(value, ensure_ascii=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(ACCESS_ACTIONS), st.sampled_from(HOSTILE) | st.text(max_size=40),
                          st.sampled_from(HOSTILE) | st.text(max_size=40), st.none() | st.integers(1, 10**6)),
                min_size=1, max_size=5))
def test_the_server_agrees_with_python_on_every_access_entrys_hash(clinic: Clinic, rows: list) -> None:  # type: ignore[type-arg]
    events = [audit.NewEvent("Owner Setup", action, "plan", key.replace("\x00", ""), clinic.patient_id, revision,
                             {"file": note.replace("\x00", ""), "n": revision})
              for action, key, note, revision in rows]
    with clinic.owner.transaction() as s:
        audit.record_many(s, events)
        verdicts = s.execute(text(f"SELECT content_ok FROM {LINKS_FUNCTION}() WHERE content_ok IS NOT NULL")).all()
    assert verdicts and all(ok is True for (ok,) in verdicts)


def test_hidden_entries_from_before_the_chain_are_digested_by_the_server(pg_url: str) -> None:
    """Entries written before the chain began (schema < 0005) carry no hash; their digest is what a
    seal compares. A non-admin cannot read the access ones, so the server digests them."""
    from careplan.services import staff
    from careplan.services.audit_chain import AuditVerdict, read_rows, verify

    db = open_database(pg_url)
    try:
        with db.engine.begin() as conn:
            for i, value in enumerate(HOSTILE):
                # Ids below the seeded chain's: such entries come first in a real log.
                conn.execute(text("INSERT INTO audit_events (id, at, actor, action, entity, entity_key, revision, "
                                  "details) VALUES (:id, now() - make_interval(days => :d), :a, :action, 'plan', :k, "
                                  ":r, :v)"),
                             {"id": i - 100, "d": 30 - i, "a": value[:200], "action": ACCESS_ACTIONS[i % 3] if i % 2 else "plan.saved",
                              "k": value[:200], "r": i if i % 2 else None, "v": json.dumps({"x": value})})
        before = check_database(db)  # no link functions yet: Python digests every row itself
        staff.init(db)
        with db.engine.connect() as conn, conn.begin():
            verdict = AuditVerdict()
            # As a non-admin reads them: the access entries' content withheld.
            rows = [SimpleNamespace(**{**r._asdict(), "hidden": True}) if r.action in ACCESS_ACTIONS and r.id < 0
                    else r for r in read_rows(conn, 100)]
            assert list(verify(rows, verdict, set(), conn)) == []
        assert before.ok, before.problems
        assert before.audit.legacy_rows == verdict.head.legacy_rows == len(HOSTILE)
        assert verdict.head.legacy_digest == before.audit.legacy_digest
    finally:
        db.dispose()


def test_a_viewers_access_is_recorded_but_they_may_add_nothing_else(clinic: Clinic, staffed: dict[str, str],
                                                                    tmp_path: Path) -> None:
    """Reading is access too: a viewer's opening and printing are recorded, though they may not
    write anything else to the audit log (the INSERT policy admits access events only)."""
    viewer = staffed["viewer"]
    db = open_database(clinic.url_for(viewer))
    try:
        assert db.server_name == "Staff Viewer"
        access.record_opened(db, clinic.patient_id, actor=db.server_name)
    finally:
        db.dispose()
    assert main(["export-pdf", "R-1", "--out", str(tmp_path / "plan.pdf"), "--db", clinic.url_for(viewer)]) == 0
    recorded = [(e.action, e.actor, e.login) for e in audit.list_events(clinic.owner, actions=ACCESS_ACTIONS)
                if e.login == viewer]
    assert sorted(recorded) == [("patient.opened", "Staff Viewer", viewer), ("pdf.exported", "Staff Viewer", viewer)]
    with clinic.connect(viewer) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("INSERT INTO audit_events (at, actor, action, entity, entity_key, details) "
                     "VALUES (now(), '', 'plan.saved', 'plan', '', '{}')")
    assert check_database(clinic.owner).ok


def test_a_server_initialised_before_this_protection_is_told_to_upgrade_in_one_line(
        clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    with clinic.owner.engine.begin() as conn:  # as `admin init` left it before access events were hidden
        for name in POLICIES:
            conn.execute(text(f"DROP POLICY {name} ON audit_events"))
        conn.execute(text("ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY"))
        for name in FUNCTIONS:
            conn.execute(text(f"DROP FUNCTION {name} CASCADE"))
    capsys.readouterr()
    assert main(["check", "--json", "--db", clinic.url]) == 1
    found = json.loads(capsys.readouterr().out)["problems"]
    assert found == ["Access events are open to every staff login: this server's roles predate their protection "
                     "(run `careplan admin upgrade` as the owner)"]
    assert main(["admin", "upgrade", "--db", clinic.url]) == 0
    assert main(["check", "--db", clinic.url]) == 0
