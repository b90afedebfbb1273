"""Signing from the History window (issue 16 part 3): the shown revision lists its signatures with
printed name, date and time, and meaning; Sign… adds reviewed or approved; a refusal is shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from careplan.domain.signature import Meaning
from careplan.persistence.engine import Database
from careplan.services.signatures import signatures_of
from careplan.ui import dialog_kit, history_signatures
from careplan.ui.history_signatures import SignDialog
from tests.test_ui_windows import open_history, select_revisions
from tests.uib_fixtures import three_revisions

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def test_history_shows_signatures_and_signs_the_selected_revision(qtbot, sqlite_db: Database,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    plan = three_revisions(sqlite_db)
    w = open_history(qtbot, sqlite_db, plan.patient_id)
    select_revisions(w, 2)
    settle(qtbot)
    qtbot.waitUntil(lambda: "Authored by" in w.signing.label.text())
    authored = signatures_of(sqlite_db, plan.patient_id)[2][0]
    assert authored.shown() in w.signing.label.text()
    asked: list[tuple[int, str]] = []

    def ask(_parent: object, number: int, name: str) -> tuple[Meaning, str]:
        asked.append((number, name))
        return Meaning.APPROVED, "Dr <b>Ap</b> & Prover"

    monkeypatch.setattr(history_signatures, "ask_signature", ask)
    qtbot.mouseClick(w.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Approved by Dr <b>Ap</b> & Prover" in w.signing.label.text(), timeout=10_000)
    assert asked and asked[0][0] == 2
    assert [s.meaning for s in signatures_of(sqlite_db, plan.patient_id)[2]] == [Meaning.AUTHORED, Meaning.APPROVED]
    # The same signer approving again is refused with a sentence; nothing is added.
    errors: list[str] = []
    monkeypatch.setattr(dialog_kit, "show_error", lambda _p, _t, message: errors.append(message))
    qtbot.mouseClick(w.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "already signed" in errors[0]
    assert len(signatures_of(sqlite_db, plan.patient_id)[2]) == 2


def test_sign_dialog_needs_a_printed_name(qtbot) -> None:
    d = SignDialog(3, "")
    qtbot.addWidget(d)
    d.buttons.button(d.buttons.StandardButton.Ok).click()
    assert d.result() != SignDialog.DialogCode.Accepted and "printed name" in d.error.text()
    d.name.setText("  Dr Who  ")
    d.meaning.setCurrentIndex(0)
    d.buttons.button(d.buttons.StandardButton.Ok).click()
    assert d.result() == SignDialog.DialogCode.Accepted
    assert d.choice() == (Meaning.REVIEWED, "Dr Who")
