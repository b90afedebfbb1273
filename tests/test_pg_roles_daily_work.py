"""This session's features as a daily login sees them on an initialised server: an editor's save is
signed "authored" by the login the server knows, an editor adds "reviewed", dismisses and accepts
guideline prompts, and may not retire a rule, which an admin may (all refused or allowed by the
server's grants and who-stamps, not by the client)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from careplan.cli import main
from careplan.domain.course import Assessment
from careplan.persistence import db_problems
from careplan.persistence.engine import open_database
from careplan.services import prompts, rules, signatures
from careplan.services.clock import today
from careplan.services.course import add_assessment

pytest.register_assert_rewrite("tests.pg_roles_fixtures")  # before it is imported below
from tests.pg_roles_fixtures import Clinic  # noqa: E402

pytest_plugins = ["tests.pg_roles_fixtures"]  # the clinic fixture
pytestmark = pytest.mark.pg


def test_an_editor_signs_decides_and_may_not_retire_a_rule(clinic: Clinic) -> None:
    add_assessment(clinic.owner, clinic.patient_id, Assessment(today(), "Owner Setup", fvc_pct=45))
    login = clinic.login("editor", "Nurse Ana Ruiz")
    db = open_database(clinic.url_for(login))
    try:
        assert db.server_login == login
        open_rules = {p.rule for p in prompts.prompts_for(db, clinic.patient_id) if p.state == "open"}
        assert "niv_fvc_below_50" in open_rules
        rev = prompts.accept(db, clinic.patient_id, "niv_fvc_below_50", actor=db.server_name or "")
        signed = signatures.signatures_of(db, clinic.patient_id)[rev.number]
        assert [(s.meaning.value, s.signed_by, s.printed_name) for s in signed] == [
            ("authored", login, "Nurse Ana Ruiz")]
        signatures.sign(db, clinic.patient_id, rev.number, "reviewed", printed_name="Nurse Ana Ruiz")
        assert [s.meaning.value for s in signatures.signatures_of(db, clinic.patient_id)[rev.number]] == [
            "authored", "reviewed"]
        # Signing under another printed name is refused by the server's stamp.
        with pytest.raises(Exception) as refused:
            signatures.sign(db, clinic.patient_id, rev.number, "approved", printed_name="Dr Someone Else")
        assert "Someone Else" in str(refused.value) or db_problems.classify(refused.value) is not None
        other = next(iter(open_rules - {"niv_fvc_below_50"}), None)
        if other is not None:
            prompts.dismiss(db, clinic.patient_id, other, reason="Discussed, not now", actor=db.server_name or "")
        # Rules are the admin's: the editor's retire is refused by the grant, nothing changes.
        with pytest.raises(Exception) as denied:
            rules.set_rule_active(db, "niv_fvc_below_50", False, actor=db.server_name or "")
        assert db_problems.classify(denied.value) is not None
    finally:
        db.dispose()
    with clinic.owner.reading() as s:
        assert s.execute(text("SELECT active FROM guideline_rules WHERE code = 'niv_fvc_below_50'")).scalar_one()
    admin = clinic.login("admin", "Dr Lee Admin")
    adb = open_database(clinic.url_for(admin))
    try:
        assert rules.set_rule_active(adb, "niv_fvc_below_50", False, actor=adb.server_name or "")
    finally:
        adb.dispose()


def test_importing_history_is_the_owners_task(clinic: Clinic, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    exported = tmp_path / "clinic.json"
    assert main(["export", "--out", str(exported), "--db", clinic.url]) == 0
    with clinic.owner.reading() as s:
        before = s.execute(text("SELECT count(*) FROM plan_revisions")).scalar_one()
    for role in ("editor", "admin"):
        login = clinic.login(role, f"Staff {role.title()}")
        capsys.readouterr()
        assert main(["import", str(exported), "--db", clinic.url_for(login)]) == 2
        err = capsys.readouterr().err
        assert "importing history is an administrator's task" in err and err.count("\n") == 1
    with clinic.owner.reading() as s:
        assert s.execute(text("SELECT count(*) FROM plan_revisions")).scalar_one() == before
    assert main(["import", str(exported), "--db", clinic.url]) == 0  # the owner may
