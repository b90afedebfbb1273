"""`careplan import` of a malformed file: one line on stderr naming the problem, exit status 2,
and the database exactly as it was, on SQLite and PostgreSQL.

Every value in a real export is replaced in turn by a value of the wrong type and by text with
a lone surrogate half; numbers too long for Python, NaN and Infinity, and nesting too deep to
parse are tried where numbers and text belong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from careplan.cli import main
from careplan.persistence.engine import Database
from careplan.persistence.models import PromptDecisionRow
from careplan.services import exchange
from careplan.services.plans import save_revision
from tests.history_builders import make_patient, plan_with
from tests.history_fixtures import counts, digest


@pytest.fixture
def good(db: Database, tmp_path: Path) -> dict[str, Any]:
    """A small real export (two revisions of two items), under an MRN the database lacks."""
    p = make_patient(db, "MRN-1")
    content = plan_with(2)
    save_revision(db, p.id or 0, base_revision=0, content=content, author="Nurse", reason="")
    items = (replace(content.items[0], notes="Changed"), content.items[1])
    save_revision(db, p.id or 0, base_revision=1, content=replace(content, items=items), author="Nurse", reason="Review")
    with db.transaction() as s:  # a prompt accepted with revision 2 and one dismissed: their values are tried too
        for decision, revision, reason in (("accepted", 2, "Review"), ("dismissed", None, "Declines for now")):
            s.add(PromptDecisionRow(patient_id=p.id, rule_code="niv_fvc_below_50", decision=decision,
                                    rule_hash="a" * 64, facts_hash="b" * 64, reason=reason, actor="Nurse",
                                    decided_at=datetime(2026, 1, 10, 9, tzinfo=UTC), revision=revision))
    exchange.export_to_file(db, tmp_path / "good.json", [], actor="tester")
    doc: dict[str, Any] = json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))
    doc["patients"][0]["mrn"] = "MRN-NEW"
    return doc


def leaves(node: Any, path: str = "$") -> Iterator[tuple[str, list[Any], Any]]:
    """(JSON path, key path, value) of every value in the document, containers included."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        child_path = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
        yield from _with_prefix(key, leaves(child, child_path))
        yield child_path, [key], child


def _with_prefix(key: Any, found: Iterator[tuple[str, list[Any], Any]]) -> Iterator[tuple[str, list[Any], Any]]:
    for path, keys, value in found:
        yield path, [key, *keys], value


def replaced(doc: dict[str, Any], keys: list[Any], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(doc))
    target = copy
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return copy


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return [value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return 7
    if isinstance(value, list):
        return {"items": value}
    return "a set of fields written as text"


def import_refused(db_url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `careplan import`; it must refuse with one line and exit 2."""
    capsys.readouterr()
    status = main(["import", str(path), "--create", "--db", db_url, "--author", "Importer"])
    out = capsys.readouterr()
    assert status == 2, out
    lines = out.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("careplan: "), out.err
    assert "Traceback" not in out.err and out.out == ""
    return lines[0]


@pytest.fixture
def unchanged(db: Database, good: dict[str, Any]) -> Iterator[None]:
    """Nothing any refused import in the test wrote: every row of every table is as it was."""
    before, rows = digest(db), counts(db)
    yield
    assert counts(db) == rows and digest(db) == before, "a refused import must write nothing"


def test_a_wrong_type_anywhere_is_one_line_naming_the_place(
        unchanged: None, db_url: str, good: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tried = 0
    for path, keys, value in leaves(good):
        file = tmp_path / "bad.json"
        file.write_text(json.dumps(replaced(good, keys, wrong_type(value))), encoding="utf-8")
        line = import_refused(db_url, file, capsys)
        assert f"{path}:" in line or (path == "$.format" and "not a CarePlan export" in line), (path, line)
        tried += 1
    assert tried > 100  # every value of a patient with contacts, two revisions and their items


def test_a_lone_surrogate_in_any_text_is_refused_naming_the_place(
        unchanged: None, db_url: str, good: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path, keys, value in leaves(good):
        if not isinstance(value, str) or path == "$.app_version":  # app_version is not stored
            continue
        file = tmp_path / "bad.json"
        # json.dumps writes the half as the escape \ud800, as a broken exporter would.
        file.write_text(json.dumps(replaced(good, keys, value + "\ud800")), encoding="utf-8")
        assert "\\ud800" in file.read_text(encoding="utf-8")
        line = import_refused(db_url, file, capsys)
        assert f"{path}:" in line or (path == "$.format" and "not a CarePlan export" in line), (path, line)


REV = ["patients", 0, "revisions", 0]


BAD_LITERALS: list[tuple[list[Any], str, str]] = [
    ([*REV, "number"], "9" * 5000, "5,000-digit number"),
    (["version"], "-" + "1" * 4301, "4,301-digit number"),
    ([*REV, "restored_from"], "1" * 19, "19-digit number"),
    ([*REV, "number"], "NaN", "holds NaN"),
    (["version"], "Infinity", "holds Infinity"),
    ([*REV, "restored_from"], "-Infinity", "holds -Infinity"),
    ([*REV, "number"], "1e400", "too large"),
    ([*REV, "number"], "1.0", "should be a whole number, but it is the number 1.0"),
    ([*REV, "number"], "true", "should be a whole number, but it is true"),
    (["patients", 0, "notes"], "[" * 900 + "]" * 900, "should be text, but it is a list"),
    (["patients", 0, "notes"], "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ([*REV, "created_at"], '"9999-12-31T23:59:59-01:00"', "is not a real date and time"),
    (["patients", 0, "date_of_birth"], '"2020-02-30"', "is not a real date"),
]


def test_numbers_and_nesting_no_field_can_hold(
        unchanged: None, db_url: str, good: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = "__BAD_VALUE__"
    for keys, literal, words in BAD_LITERALS:
        text = json.dumps(replaced(good, keys, marker), indent=2).replace(f'"{marker}"', literal)
        file = tmp_path / "bad.json"
        file.write_text(text, encoding="utf-8")
        line = import_refused(db_url, file, capsys)
        assert words in line and len(line) < 400, (keys, literal[:20], line)
