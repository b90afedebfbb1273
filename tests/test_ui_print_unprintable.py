"""Printing asks first when some text has no font: it would come out of the printer as boxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from careplan.reporting.model import PdfResult
from careplan.ui import dialog_kit, export, export_dialog
from tests.test_pdf import printable


@pytest.mark.parametrize("answer", [False, True])
def test_printing_text_no_font_can_show_asks_before_anything_is_sent(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: bool) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    sent: list[object] = []

    def ask(_parent: object, title: str, question: str, yes: str, no: str = "Cancel", **_: object) -> bool:
        asked.append(question)
        return answer

    monkeypatch.setattr(dialog_kit, "ask_yes_no", ask)
    warning = "These characters cannot be shown by any installed font ... Korean (Hangul) ..."
    result = PdfResult(path=tmp_path / "p.pdf", pages=1, warnings=[warning], unprintable=warning)
    choice = export_dialog.PrintoutChoice(path=None, large_print=False, paper="a4")

    def send(*args: object) -> bool:
        sent.append(args)
        return False  # the user closed the printer dialog: nothing is recorded

    export._preview_and_print(None, None, 1, "tester", choice, "MRN-1", 1, printable(), result,  # type: ignore[arg-type]
                              send=send)
    assert len(asked) == 1 and "Korean (Hangul)" in asked[0] and "Print anyway?" in asked[0]
    assert len(sent) == (1 if answer else 0)


def test_printing_without_unprintable_text_does_not_ask(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialog_kit, "ask_yes_no", lambda *a, **k: pytest.fail("asked"))
    sent: list[object] = []
    result = PdfResult(path=tmp_path / "p.pdf", pages=1, warnings=["The instructions for X mention a dose."])
    choice = export_dialog.PrintoutChoice(path=None, large_print=False, paper="a4")
    export._preview_and_print(None, None, 1, "tester", choice, "MRN-1", 1, printable(), result,  # type: ignore[arg-type]
                              send=lambda *a: sent.append(a) or False)
    assert len(sent) == 1
