"""File > Export PDF refuses the same targets as the command line (services/output_target.py), and
asks before replacing an ordinary existing file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from careplan.persistence.engine import Database
from careplan.ui import dialog_kit, export, export_dialog
from tests.uib_fixtures import three_revisions

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import settle  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]  # the GUI-thread database guard, checked after every test


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[object]]:
    """What the user would have seen: error boxes, replace questions, folders revealed."""
    seen: dict[str, list[object]] = {"errors": [], "asked": [], "revealed": [], "answers": []}
    monkeypatch.setattr(dialog_kit, "show_error", lambda _p, title, text: seen["errors"].append((title, text)))
    monkeypatch.setattr(dialog_kit, "show_info", lambda *_: None)
    monkeypatch.setattr(export, "reveal_folder", seen["revealed"].append)

    def ask_replace(_parent: object, path: Path) -> bool:
        seen["asked"].append(path)
        return bool(seen["answers"].pop(0))

    monkeypatch.setattr(export, "ask_replace", ask_replace)
    return seen


def export_to(qtbot, db: Database, patient_id: int, target: Path,  # type: ignore[no-untyped-def]
              monkeypatch: pytest.MonkeyPatch) -> None:
    choice = export_dialog.PrintoutChoice(target, False, "a4")
    monkeypatch.setattr(export_dialog, "ask_export_options", lambda *_: choice)
    assert export.export_pdf(None, db, patient_id, "Nurse GUI")
    settle(qtbot, timeout=15_000)


def test_the_open_database_is_refused_without_a_question(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, screen: dict[str, list[object]]) -> None:
    plan = three_revisions(sqlite_db)
    assert sqlite_db.path is not None
    before = sha(sqlite_db.path)
    for target in (sqlite_db.path, Path(f"{sqlite_db.path}-wal")):
        export_to(qtbot, sqlite_db, plan.patient_id, target, monkeypatch)
    assert screen["asked"] == [] and screen["revealed"] == []
    assert [title for title, _ in screen["errors"]] == ["The PDF was not saved"] * 2  # type: ignore[misc]
    assert "database CarePlan has open" in str(screen["errors"][0])
    assert sha(sqlite_db.path) == before


def test_an_existing_file_is_replaced_only_when_the_user_says_so(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        screen: dict[str, list[object]]) -> None:
    plan = three_revisions(sqlite_db)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"a letter, not a printout")
    screen["answers"] = [False, True]
    export_to(qtbot, sqlite_db, plan.patient_id, letter, monkeypatch)
    assert screen["asked"] == [letter] and letter.read_bytes() == b"a letter, not a printout"
    assert "already exists" in str(screen["errors"][-1]) and screen["revealed"] == []
    export_to(qtbot, sqlite_db, plan.patient_id, letter, monkeypatch)
    qtbot.waitUntil(lambda: bool(screen["revealed"]), timeout=15_000)
    assert screen["asked"] == [letter, letter] and letter.read_bytes().startswith(b"%PDF")
