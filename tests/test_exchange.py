"""`careplan export` / `careplan import`: a documented file, a byte-exact round trip, all or nothing."""

from __future__ import annotations

import hashlib
import json
import re
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from careplan.cli import main
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import OnsetSite
from careplan.domain.plan import (
    GENESIS_HASH,
    ItemStatus,
    PlanContent,
    PlanStatus,
    Revision,
    canonical_json,
)
from careplan.domain.team import Role
from careplan.persistence.engine import Database, open_database
from careplan.services import audit, exchange, patients, plans
from careplan.services.check import check_database
from careplan.services.exchange import HistoryConflictError, NewerFormatError
from tests.history_builders import item, make_patient, save_history
from tests.history_fixtures import (
    HISTORY,
    HOSTILE,
    LONG_NOTE,
    RTL,
    contains_rows,
    counts,
    demo,
    digest,
    hostile_patient,
    second_db_fixture,  # noqa: F401 - the second_db fixture
    snapshot,
)

NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
SCHEMA = json.loads(exchange.SCHEMA_FILE.read_text(encoding="utf-8"))


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(exchange.export_text(doc), encoding="utf-8")
    return path


def export(db: Database, path: Path, *mrns: str, now: datetime = NOW) -> bytes:
    exchange.export_to_file(db, path, mrns, actor="tester", now=now)
    return path.read_bytes()


def rehash(rev: dict[str, Any], prev: str, patient_key: str | None) -> str:
    """Recompute a revision's hashes after a test edits it, as a careful forger would."""
    rev["prev_hash"] = prev
    payload = {k: rev[k] for k in ("number", "created_at", "author", "reason", "restored_from", "prev_hash")}
    payload["content"] = {k: rev[k] for k in ("status", "start_date", "next_review", "goals", "items")}
    if rev.get("hash_version", 1) == 2:  # newer hashes cover the patient
        payload["patient"] = patient_key
    rev["content_hash"] = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
    return str(rev["content_hash"])


# --- the file --------------------------------------------------------------------------------

def test_schema_is_valid_and_its_lists_match_the_code() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    defs = SCHEMA["$defs"]
    assert defs["item"]["properties"]["discipline"]["enum"] == [d.value for d in Discipline]
    assert defs["item"]["properties"]["status"]["enum"] == [s.value for s in ItemStatus]
    assert defs["revision"]["properties"]["status"]["enum"] == [s.value for s in PlanStatus]
    assert defs["role"]["enum"] == [r.value for r in Role]
    assert defs["patient"]["properties"]["onset_site"]["enum"] == [*(o.value for o in OnsetSite), None]


def test_export_is_documented_sorted_and_its_hashes_check_out_by_the_documented_recipe(db: Database, tmp_path: Path) -> None:
    demo(db, patients=6)
    hostile_patient(db, "A-FIRST")
    make_patient(db, "Z-NO-PLAN")
    doc = json.loads(export(db, tmp_path / "e.json"))
    Draft202012Validator(SCHEMA).validate(doc)
    assert list(doc) == ["format", "version", "exported_at", "app_version", "patients"]
    assert (doc["format"], doc["version"], doc["exported_at"]) == ("careplan-export", 1, "2026-03-02T09:15:00+00:00")
    mrns = [p["mrn"] for p in doc["patients"]]
    assert mrns == sorted(mrns) and mrns[0] == "A-FIRST" and mrns[-1] == "Z-NO-PLAN" and len(mrns) == 8
    assert doc["patients"][-1]["revisions"] == []
    docs_recipe = (Path(__file__).parent.parent / "docs" / "export-format.md").read_text(encoding="utf-8")
    assert "sort_keys=True, ensure_ascii=False" in docs_recipe
    for p in doc["patients"]:
        prev = GENESIS_HASH
        for n, rev in enumerate(p["revisions"], start=1):
            assert rev["number"] == n and rev["prev_hash"] == prev
            assert rev["created_at"].endswith("+00:00")
            assert rehash(dict(rev), prev, p["history_key"]) == rev["content_hash"], f"{p['mrn']} r{n}"
            prev = rev["content_hash"]
    pid = patients.get_patient_by_mrn(db, "A-FIRST").id or 0
    stored = plans.get_revision(db, pid, 2)
    exported = doc["patients"][0]["revisions"][1]
    assert [i["uid"] for i in exported["items"]] == [i.key for i in stored.content.items]
    assert exported["author"] == f"Nurse {RTL}" and exported["created_at"] == "2025-04-07T09:30:15.123456+00:00"


def test_round_trip_is_byte_identical(db: Database, second_db: Database, tmp_path: Path) -> None:
    demo(db, patients=20)
    hostile_patient(db)
    make_patient(db, "NO-PLAN-YET")
    first = export(db, tmp_path / "first.json")
    summary = exchange.import_file(second_db, tmp_path / "first.json", actor="importer")
    assert (len(summary.patients_added), summary.revisions_added) == (22, counts(db)["plan_revisions"])
    assert export(second_db, tmp_path / "second.json") == first
    later = export(second_db, tmp_path / "later.json", now=NOW + timedelta(days=3))
    strip = re.compile(rb'^  "exported_at": .*\n', re.M)
    assert later != first and strip.sub(b"", later) == strip.sub(b"", first)
    assert check_database(second_db).ok
    text = first.decode("utf-8")
    assert any(p["notes"] == LONG_NOTE for p in json.loads(text)["patients"])
    assert "😀" in text and RTL in text and "<b>bold</b> & " in text, "text is written as typed, not escaped"


def test_imported_revisions_keep_author_time_reason_and_hashes(db: Database, second_db: Database, tmp_path: Path) -> None:
    pid = hostile_patient(db, revisions=4)
    export(db, tmp_path / "e.json")
    exchange.import_file(second_db, tmp_path / "e.json", actor="importer")
    other = patients.get_patient_by_mrn(second_db, "HOSTILE-1")
    assert other.notes == LONG_NOTE and other.caregivers[0].name.startswith(RTL)
    assert plans.history(second_db, other.id or 0) == plans.history(db, pid)
    for n in range(1, 5):
        assert plans.get_revision(second_db, other.id or 0, n) == plans.get_revision(db, pid, n)
    state = plans.load_plan(second_db, other.id or 0)
    summary = patients.search_patients(second_db, "HOSTILE-1")[0]
    assert state.number == 4 and summary.revisions == 4
    assert summary.next_review == state.content().next_review and summary.plan_status == "active"
    events = audit.list_events(second_db, mrn="HOSTILE-1")
    assert [(e.action, e.actor, e.revision) for e in events] == [("data.imported", "importer", 4)]
    assert events[0].details["revisions_added"] == 4 and events[0].details["patient_added"] is True


def test_export_of_chosen_patients_and_of_an_unknown_mrn(db: Database, tmp_path: Path) -> None:
    for mrn in ("B-2", "A-1", "C-3"):
        p = make_patient(db, mrn)
        save_history(db, p.id or 0, revisions=2)
    doc = json.loads(export(db, tmp_path / "two.json", "C-3", "A-1", "C-3"))
    assert [p["mrn"] for p in doc["patients"]] == ["A-1", "C-3"]
    exported = audit.list_events(db, limit=1)[0]
    assert exported.action == "data.exported" and exported.details["mrns"] == ["A-1", "C-3"]
    before = counts(db)
    with pytest.raises(CarePlanError, match="'NOPE'"):
        export(db, tmp_path / "none.json", "A-1", "NOPE")
    assert not (tmp_path / "none.json").exists() and counts(db) == before


def test_export_file_is_private_atomic_and_never_the_database(db: Database, tmp_path: Path) -> None:
    make_patient(db, "A-1")
    out = tmp_path / "out.json"
    out.write_text("a letter, not an export")
    with pytest.raises(CarePlanError, match="already exists.*--force"):
        export(db, out)
    assert out.read_text() == "a letter, not an export"
    exchange.export_to_file(db, out, actor="tester", force=True)
    export(db, out)  # an earlier export is simply replaced
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["patients"][0]["mrn"] == "A-1"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []
    with pytest.raises(CarePlanError, match="folder"):
        export(db, tmp_path)
    with pytest.raises(CarePlanError, match="does not exist"):
        export(db, tmp_path / "missing" / "x.json")
    if db.path is not None:
        before = db.path.read_bytes()
        with pytest.raises(CarePlanError, match="database CarePlan has open"):
            export(db, db.path)
        assert db.path.read_bytes()[:16] == before[:16] == b"SQLite format 3\x00"


# --- importing into a database that already has data ----------------------------------------

def test_importing_twice_adds_nothing_the_second_time(db: Database, second_db: Database, tmp_path: Path) -> None:
    demo(db, patients=5)
    export(db, tmp_path / "e.json")
    exchange.import_file(second_db, tmp_path / "e.json", actor="importer")
    before = digest(second_db)
    again = exchange.import_file(second_db, tmp_path / "e.json", actor="importer")
    assert (again.patients_added, again.revisions_added, len(again.patients_unchanged)) == ([], 0, 5)
    assert digest(second_db) == before


def test_newer_revisions_are_appended_and_the_plan_moves_on(db: Database, second_db: Database, tmp_path: Path) -> None:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=3)
    export(db, tmp_path / "three.json")
    exchange.import_file(second_db, tmp_path / "three.json", actor="importer")
    old_rows = snapshot(second_db, HISTORY)
    last = save_history_more(db, p.id or 0, start=4, stop=6)
    export(db, tmp_path / "six.json")
    summary = exchange.import_file(second_db, tmp_path / "six.json", actor="importer")
    assert (summary.patients_extended, summary.revisions_added) == (["MRN-1"], 3)
    assert "1 given newer revisions" in summary.lines()[0] and "3 revisions added" in summary.lines()[0]
    other = patients.get_patient_by_mrn(second_db, "MRN-1").id or 0
    state = plans.load_plan(second_db, other)
    assert state.number == 6 and state.latest is not None and state.latest.content == last
    contains_rows(old_rows, snapshot(second_db, HISTORY))
    assert check_database(second_db).ok
    # And saving on top of the imported history just continues the chain.
    plans.save_revision(second_db, other, base_revision=6, content=last.with_items(last.items[:2]),
                        author="Nurse B", reason="After import")
    assert check_database(second_db).ok
    back = exchange.import_file(second_db, tmp_path / "six.json", actor="importer")
    assert back.database_ahead == {"MRN-1": (7, 6)} and back.revisions_added == 0
    assert "newer than the file's 6" in "\n".join(back.lines())


def save_history_more(db: Database, pid: int, *, start: int, stop: int) -> Any:
    content = plans.load_plan(db, pid).content()
    for n in range(start, stop + 1):
        content = content.with_items(content.items + (item(f"x{n}", Discipline.PALLIATIVE, notes=HOSTILE),))
        plans.save_revision(db, pid, base_revision=n - 1, content=content, author="Nurse A", reason=f"Review {n}")
    return content


def test_existing_contact_details_are_kept_and_reported(db: Database, second_db: Database, tmp_path: Path) -> None:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=2)
    export(db, tmp_path / "e.json")
    theirs = make_patient(second_db, "MRN-1", name="Local Name")
    local = patients.update_patient(second_db, replace(theirs, notes="local notes"), actor="clinic")
    summary = exchange.import_file(second_db, tmp_path / "e.json", actor="importer")
    assert summary.details_kept == {"MRN-1": ["full_name", "notes"]}
    assert "CarePlan's details were kept" in "\n".join(summary.lines())
    kept = patients.get_patient_by_mrn(second_db, "MRN-1")
    assert (kept.full_name, kept.notes, kept.version) == ("Local Name", "local notes", local.version)
    assert summary.revisions_added == 2 and plans.load_plan(second_db, kept.id or 0).number == 2


def test_conflicting_history_is_refused_naming_mrn_and_revision(db: Database, second_db: Database, tmp_path: Path) -> None:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=1)
    export(db, tmp_path / "shared.json")
    exchange.import_file(second_db, tmp_path / "shared.json", actor="importer")
    for d, author in ((db, "Nurse File"), (second_db, "Nurse Here")):
        pid = patients.get_patient_by_mrn(d, "MRN-1").id or 0
        plans.save_revision(d, pid, base_revision=1, content=plans.load_plan(d, pid).content(),
                            author=author, reason="Same number, different author")
    make_patient(db, "MRN-SAFE")  # would be added, if the import were not refused as a whole
    export(db, tmp_path / "split.json")
    before, rows = digest(second_db), counts(second_db)
    with pytest.raises(HistoryConflictError) as e:
        exchange.import_file(second_db, tmp_path / "split.json", actor="importer")
    assert "$.patients[0].revisions[1]: MRN-1, revision 2: the file's revision differs" in str(e.value)
    assert "nothing was written" in str(e.value)
    assert digest(second_db) == before and counts(second_db) == rows


def test_newer_format_version_is_refused(db: Database, tmp_path: Path) -> None:
    make_patient(db, "MRN-1")
    doc = json.loads(export(db, tmp_path / "e.json"))
    doc["version"] = 2
    doc["patients"][0]["something_new"] = {"x": 1}
    before = digest(db)
    with pytest.raises(NewerFormatError, match="made by a newer CarePlan.*version 2"):
        exchange.import_file(db, write(tmp_path / "v2.json", doc), actor="importer")
    assert digest(db) == before


def test_unknown_keys_are_ignored_within_version_1(db: Database, second_db: Database, tmp_path: Path) -> None:
    make_patient(db, "MRN-1")
    doc = json.loads(export(db, tmp_path / "e.json"))
    doc["patients"][0]["added_in_a_later_1_x"] = True
    assert exchange.import_file(second_db, write(tmp_path / "x.json", doc), actor="i").patients_added == ["MRN-1"]


# --- files that are wrong in every way -------------------------------------------------------

@pytest.fixture
def good(db: Database, tmp_path: Path) -> dict[str, Any]:
    p = make_patient(db, "MRN-1")
    save_history(db, p.id or 0, revisions=3)
    doc: dict[str, Any] = json.loads(export(db, tmp_path / "good.json"))
    patient = doc["patients"][0]
    patient["mrn"] = "MRN-NEW"  # so an import would add it, with a history of its own
    patient["history_key"], prev = "e" * 32, GENESIS_HASH
    for rev in patient["revisions"]:
        prev = rehash(rev, prev, patient["history_key"])
    return doc


def refused(db: Database, path: Path) -> str:
    before, rows = digest(db), counts(db)
    with pytest.raises(CarePlanError) as e:
        exchange.import_file(db, path, actor="importer")
    assert digest(db) == before and counts(db) == rows, "a refused import must write nothing"
    return str(e.value)


def test_truncated_file_names_line_and_column(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    text = exchange.export_text(good)
    cut = tmp_path / "cut.json"
    inside_a_string = text.index(': "', len(text) // 2) + 4  # about half way, just inside a text value
    cut.write_text(text[:inside_a_string], encoding="utf-8")
    msg = refused(db, cut)
    assert re.search(r"not valid JSON: Unterminated string starting at \(line \d+, column \d+\)\. The file looks cut short", msg)


def test_syntax_error_names_line_and_column(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    lines = exchange.export_text(good).splitlines(keepends=True)
    lines[7] = lines[7].replace('",', '"', 1)  # drop one comma on line 8
    bad = tmp_path / "bad.json"
    bad.write_text("".join(lines), encoding="utf-8")
    assert "Expecting ',' delimiter (line 9, column 7)" in refused(db, bad)


@pytest.mark.parametrize(("content", "words"), [
    (b"", "is empty"),
    (b"   \n", "is empty"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "not a CarePlan export"),
    (b'{"format": "something-else", "version": 1}', "not a CarePlan export"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_files_that_are_not_exports(db: Database, tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    assert words in refused(db, path)


def test_missing_file_and_folder(db: Database, tmp_path: Path) -> None:
    assert "Cannot read" in refused(db, tmp_path / "nope.json")
    assert "is a folder" in refused(db, tmp_path)


def test_schema_errors_name_the_json_path(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    revs = good["patients"][0]["revisions"]
    revs[1]["items"][0]["status"] = "sleeping"
    revs[0]["created_at"] = "yesterday"
    good["patients"][0]["care_team"][0]["role"] = "wizard"
    good["patients"][0]["notes"] = "n" * 20_001
    del revs[2]["author"]
    msg = refused(db, write(tmp_path / "bad.json", good))
    assert "$.patients[0].revisions[1].items[0].status: 'sleeping' is not one of ['planned'" in msg
    assert "$.patients[0].revisions[0].created_at: 'yesterday' is not a date and time" in msg
    assert "$.patients[0].care_team[0].role: 'wizard' is not one of" in msg
    assert "$.patients[0].notes: is 20,001 characters long; the limit is 20,000" in msg
    assert "$.patients[0].revisions[2]: 'author' is a required property" in msg
    assert msg.index("care_team") < msg.index("notes") < msg.index("revisions[0]") < msg.index("revisions[1]")


def test_a_changed_revision_is_caught_by_its_hash(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    good["patients"][0]["revisions"][1]["items"][0]["notes"] = "changed after export"
    msg = refused(db, write(tmp_path / "bad.json", good))
    assert "$.patients[0].revisions[1].content_hash: revision 2 of MRN-NEW does not match its hash" in msg


def test_a_removed_revision_is_caught(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    del good["patients"][0]["revisions"][1]
    msg = refused(db, write(tmp_path / "gap.json", good))
    assert "$.patients[0].revisions[1].number: expected revision 2, found 3" in msg


def test_a_rechained_history_still_needs_a_link_and_a_reason(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    revs, key = good["patients"][0]["revisions"], good["patients"][0]["history_key"]
    revs[1]["reason"] = "  "
    rehash(revs[1], revs[0]["content_hash"], key)
    rehash(revs[2], "f" * 64, key)
    msg = refused(db, write(tmp_path / "forged.json", good))
    assert "$.patients[0].revisions[1].reason: Say why the plan changed" in msg
    revs[1]["reason"] = "A reason"
    rehash(revs[1], revs[0]["content_hash"], key)
    msg = refused(db, write(tmp_path / "forged.json", good))
    assert "$.patients[0].revisions[2].prev_hash: revision 3 of MRN-NEW does not link to the revision before it" in msg


def test_bad_patient_details_and_duplicate_mrns(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    second = json.loads(json.dumps(good["patients"][0]))
    good["patients"][0]["date_of_birth"] = (date.today() + timedelta(days=2)).isoformat()
    good["patients"][0]["diagnosis_date"] = "2023-02-30"
    good["patients"].append(second)
    msg = refused(db, write(tmp_path / "bad.json", good))
    assert "$.patients[0].diagnosis_date: '2023-02-30' is not a real date" in msg
    assert "$.patients[1].mrn: 'MRN-NEW' is also the MRN of $.patients[0]" in msg
    good["patients"].pop()
    good["patients"][0]["diagnosis_date"] = None
    assert "$.patients[0].date_of_birth: The date of birth is in the future." in refused(db, write(tmp_path / "b.json", good))


def test_a_late_problem_stops_the_whole_import(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    clean = json.loads(json.dumps(good["patients"][0]))
    late = json.loads(json.dumps(clean))
    late["mrn"] = "MRN-LATE"
    late["revisions"][2]["reason"] = "edited"
    good["patients"] = [clean, late]
    msg = refused(db, write(tmp_path / "late.json", good))
    assert "$.patients[1].revisions[2].content_hash" in msg
    with pytest.raises(patients.NotFoundError):
        patients.get_patient_by_mrn(db, "MRN-NEW")


def test_dry_run_reports_and_writes_nothing(db: Database, good: dict[str, Any], tmp_path: Path) -> None:
    before = digest(db)
    summary = exchange.import_file(db, write(tmp_path / "g.json", good), actor="i", dry_run=True)
    assert summary.patients_added == ["MRN-NEW"] and summary.revisions_added == 3
    assert summary.lines()[0].startswith("Would import") and "nothing was written" in summary.lines()[-1]
    assert digest(db) == before


# --- history is never altered ----------------------------------------------------------------

def test_import_leaves_every_existing_history_row_intact(db: Database, second_db: Database, tmp_path: Path) -> None:
    demo(db, patients=8, seed=5)
    demo(second_db, patients=20, seed=3)
    pid = hostile_patient(second_db)
    export(second_db, tmp_path / "all.json")
    exchange.import_file(db, tmp_path / "all.json", actor="importer")  # shares nothing yet
    before = snapshot(db)
    save_history_more(second_db, pid, start=4, stop=5)
    export(second_db, tmp_path / "more.json")
    summary = exchange.import_file(db, tmp_path / "more.json", actor="importer")
    assert summary.revisions_added == 2
    after = snapshot(db)
    contains_rows({t: before[t] for t in (*HISTORY, "audit_events")}, after)
    assert len(after["plan_revisions"]) == len(before["plan_revisions"]) + 2
    assert check_database(db).ok


@pytest.mark.pg
def test_sqlite_to_postgresql_and_back_is_byte_identical(sqlite_db: Database, pg_url: str, tmp_path: Path) -> None:
    demo(sqlite_db, patients=10)
    hostile_patient(sqlite_db)
    first = export(sqlite_db, tmp_path / "lite.json")
    pg = open_database(pg_url)
    try:
        exchange.import_file(pg, tmp_path / "lite.json", actor="mover")
        assert export(pg, tmp_path / "pg.json") == first
    finally:
        pg.dispose()


# --- the command line ------------------------------------------------------------------------

def test_cli_export_import_and_errors(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = open_database(db_url)
    try:
        p = make_patient(db, "MRN-1")
        save_history(db, p.id or 0, revisions=2)
    finally:
        db.dispose()
    out = tmp_path / "cli.json"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert main(["export", "--db", db_url, "--out", str(out), "--author", "Nurse CLI"]) == 0
    assert f"Exported 1 patients with 2 plan revisions to {out}" in capsys.readouterr().out
    assert json.loads(out.read_text())["exported_at"] == "2026-01-01T00:00:00+00:00"
    assert main(["import", "--create", "--db", db_url, str(out)]) == 0
    assert "0 patients added, 0 given newer revisions, 1 unchanged; 0 revisions added." in capsys.readouterr().out
    doc = json.loads(out.read_text())
    doc["version"] = 2
    write(out, doc)
    assert main(["import", "--create", "--db", db_url, str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("careplan: ") and "made by a newer CarePlan" in err
    assert main(["export", "--db", db_url, "--out", str(tmp_path / "x.json"), "NOPE"]) == 2
    assert "No patient has the MRN 'NOPE'" in capsys.readouterr().err
    db = open_database(db_url)
    try:
        assert audit.list_events(db, limit=1)[0].actor == "Nurse CLI"
    finally:
        db.dispose()


def test_revision_dataclass_matches_the_exported_keys() -> None:
    """The export writes every field a revision's hash covers, and nothing the hash leaves out."""
    rev = Revision(1, NOW, "A", "", PlanContent(), patient_key="k" * 32)
    exported = exchange.revision_to_json(replace(rev, content_hash=rev.compute_hash()))
    payload = rev.hash_payload()
    # The patient's key is written once, beside the patient; each revision says whether its hash covers it.
    assert set(exported) == set(payload) - {"content", "patient"} | set(payload["content"]) | {"content_hash",
                                                                                                "hash_version"}
