"""The server refuses a save (a role without the grant): one sentence, the edits kept as a draft.

A real editor login on the test PostgreSQL server (tests/pg_roles_fixtures.py); the clinic's owner
takes the editors' INSERT on revisions away while the plan is open, as an administrator might.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from careplan.persistence.engine import Database, open_database
from careplan.services import plans as plan_service

pytest.register_assert_rewrite("tests.ui_fixtures", "tests.pg_roles_fixtures")  # before they are imported below
from tests.pg_roles_fixtures import Clinic  # noqa: E402
from tests.ui_fixtures import core_codes, pick, press, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures", "tests.pg_roles_fixtures"]
pytestmark = pytest.mark.pg


@pytest.fixture
def editor_db(clinic: Clinic) -> Iterator[Database]:
    from careplan.ui import db_guard

    db = open_database(clinic.url_for(clinic.login("editor", "Nurse Kit Lowe")))
    db_guard.install(db)
    yield db
    db.dispose()


def test_a_refused_save_says_why_and_keeps_the_edits_as_a_draft(qtbot, make_window, answers, clinic: Clinic,
                                                                 editor_db: Database) -> None:
    answers.reason = "Review"
    window = make_window(editor_db, name=None)  # no name asked: the server's printed name is used
    window.open_patient(clinic.patient_id)
    settle(qtbot)
    present = {i.catalogue_code for i in window.editor.doc.content.items}
    pick(qtbot, window, next(c for c in core_codes(window) if c not in present))
    with clinic.owner.engine.begin() as conn:
        conn.execute(text("REVOKE INSERT ON plan_revisions FROM careplan_editor"))
    with qtbot.waitSignal(window.editor.saver.draftKept, timeout=10_000):
        press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert len(answers.errors) == 1
    assert answers.errors[0].startswith("The server refused this to your login (permission denied for table "
                                        "plan_revisions): your CarePlan role does not allow it.")
    assert answers.errors[0].endswith("Nothing was changed. Your edits are still here.")
    assert window.isWindowModified()
    draft = plan_service.load_draft(clinic.owner, clinic.patient_id, "Nurse Kit Lowe")
    assert draft is not None and draft.content == window.editor.doc.content
    assert plan_service.load_plan(clinic.owner, clinic.patient_id).number == 1  # nothing half-written
    assert "name" not in answers.asked
