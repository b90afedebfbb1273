"""Where signatures are shown outside the app: `careplan sign`, `careplan history` (text and
--json: a `signatures` key added, nothing else changed) and the clinician summary PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.persistence.engine import Database
from careplan.services.signatures import signatures_of
from tests.history_builders import make_patient, save_history
from tests.test_printing_service import flat, pdf_text

HISTORY_KEYS = {"revision", "created_at", "author", "reason", "items", "hash", "restored_from", "imported_from",
                "imported_by", "imported_at"}


def test_sign_on_the_command_line_and_history_shows_it(sqlite_db: Database,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    pid = make_patient(sqlite_db, "CLI-S").id or 0
    save_history(sqlite_db, pid, revisions=2)
    db = ["--db", str(sqlite_db.path)]
    assert main(["sign", "CLI-S", "1", "--meaning", "reviewed", "--as", "Dr R\u00e9v \u05e9\u05dc\u05d5\u05dd", *db]) == 0
    out = capsys.readouterr().out
    assert "CLI-S revision 1: Reviewed by Dr R\u00e9v \u05e9\u05dc\u05d5\u05dd" in out
    assert main(["history", "CLI-S", "--json", *db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == HISTORY_KEYS | {"signatures"}  # the contract: a key added, none renamed
    assert [s["meaning"] for s in rows[0]["signatures"]] == ["authored", "reviewed"]
    assert rows[0]["signatures"][1]["printed_name"] == "Dr R\u00e9v \u05e9\u05dc\u05d5\u05dd"
    assert rows[0]["signatures"][1]["hash"] == signatures_of(sqlite_db, pid)[1][1].hash
    assert main(["history", "CLI-S", *db]) == 0
    assert "Reviewed by Dr R\u00e9v" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "says"), [
    (["sign", "CLI-S", "9", "--meaning", "approved"], "no revision 9"),
    (["sign", "NOPE", "1", "--meaning", "approved"], "NOPE"),
    (["sign", "CLI-S", "1", "--meaning", "approved", "--as", "   "], "printed name"),
])
def test_sign_refuses_bad_input_with_a_sentence(sqlite_db: Database, capsys: pytest.CaptureFixture[str],
                                                argv: list[str], says: str) -> None:
    save_history(sqlite_db, make_patient(sqlite_db, "CLI-S").id or 0, revisions=1)
    assert main([*argv, "--db", str(sqlite_db.path)]) == 2
    assert says in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sign", "CLI-S", "1", "--meaning", "authored", "--db", str(sqlite_db.path)])


def test_summary_pdf_shows_the_current_revisions_signatures(sqlite_db: Database, tmp_path: Path) -> None:
    pid = make_patient(sqlite_db, "SUM-S").id or 0
    save_history(sqlite_db, pid, revisions=2)
    db = ["--db", str(sqlite_db.path)]
    assert main(["sign", "SUM-S", "2", "--meaning", "approved", "--as", "Dr <b>Ap</b> & Co", *db]) == 0
    out = tmp_path / "summary.pdf"
    assert main(["export-summary", "SUM-S", "--out", str(out), *db]) == 0
    text = flat(pdf_text(out))
    sigs = signatures_of(sqlite_db, pid)[2]
    for sig in sigs:  # printed name, date and time, and meaning of each
        assert sig.shown() in text
    assert "Approved by Dr <b>Ap</b> & Co" in text
