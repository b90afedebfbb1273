"""`careplan templates` add/edit/retire/reinstate and its bad input: one line, exit 2, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from careplan.cli import main
from careplan.persistence.engine import Database
from careplan.services import catalogue, template_store
from tests.history_builders import make_patient
from tests.history_fixtures import snapshot

OWN = {"code": "clinic_falls", "version": 1, "title": "Falls <b>& safety</b> 😀", "applies_when": "مرحبا after a fall.",
       "source": "Clinic protocol",
       "items": [{"code": "pt_walker", "role": "physiotherapist", "status": "active", "frequency": "Daily",
                  "goal": "Walk safely."},
                 {"code": "ot_daily_living_assessment", "role": "occupational_therapist", "goal": "A safe home."}]}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _file(tmp_path: Path, *templates: dict[str, object], name: str = "ours.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"format": 1, "templates": list(templates)}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


@pytest.fixture
def synced(db: Database) -> Database:
    catalogue.sync_catalogue(db)
    template_store.sync_templates(db)
    return db


def test_add_edit_retire_reinstate_and_list(synced: Database, db_url: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "templates", "add", str(_file(tmp_path, OWN)), "--author", "Nurse A", "--db", db_url)
    assert (code, err) == (0, "") and out.startswith("Added clinic_falls as version 1")
    changed = {**OWN, "title": "Falls and safety"}
    code, out, _ = _cli(capsys, "templates", "edit", str(_file(tmp_path, changed)), "--json", "--db", db_url)
    assert code == 0
    [saved] = json.loads(out)
    assert (saved["version"], saved["title"], saved["custom"]) == (2, "Falls and safety", True)
    code, out, _ = _cli(capsys, "templates", "retire", "clinic_falls", "--db", db_url)
    assert code == 0 and "retired" in out
    code, out, _ = _cli(capsys, "templates", "--json", "--db", db_url)
    assert "clinic_falls" not in [t["code"] for t in json.loads(out)]
    code, out, _ = _cli(capsys, "templates", "--all", "--json", "--db", db_url)
    listed = {t["code"]: t for t in json.loads(out)}
    assert listed["clinic_falls"]["active"] is False and listed["clinic_falls"]["edited_by"]
    assert listed["newly_diagnosed"]["active"] is True and listed["newly_diagnosed"]["edited_by"] is None
    code, out, _ = _cli(capsys, "templates", "--all", "--db", db_url)
    assert "clinic_falls" in out and "(retired)" in out
    code, out, _ = _cli(capsys, "templates", "reinstate", "clinic_falls", "--db", db_url)
    assert code == 0 and "offered again" in out


def _refused(db: Database, db_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    before = snapshot(db)
    code, out, err = _cli(capsys, *args, "--db", db_url)
    assert (code, out) == (2, ""), err
    assert err.startswith("careplan: ") and err.count("\n") == 1, err
    assert snapshot(db) == before
    return err


def test_bad_input_is_one_line_exit_2_and_changes_nothing(synced: Database, db_url: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    make_patient(synced, "T-1")
    catalogue.set_active(synced, "pt_walker", False, actor="lead")
    template_store.set_active(synced, "feeding_tube", False, actor="lead")
    unknown_item = {**OWN, "items": [{"code": "pt_no_such", "role": "physiotherapist"}]}
    err = _refused(synced, db_url, capsys, "templates", "add", str(_file(tmp_path, unknown_item)))
    assert "ours.yaml, line 9, template 1 (clinic_falls): item 1: 'pt_no_such' is not a catalogue item code" in err
    err = _refused(synced, db_url, capsys, "templates", "add", str(_file(tmp_path, OWN)))
    assert "item 1: 'pt_walker' is a retired catalogue item" in err
    err = _refused(synced, db_url, capsys, "templates", "add", str(_file(tmp_path, {**OWN, "code": "newly_diagnosed",
                                                                                 "items": OWN["items"][1:]})))
    assert "newly_diagnosed already exists" in err
    err = _refused(synced, db_url, capsys, "templates", "edit", str(_file(tmp_path, {**OWN, "items": OWN["items"][1:]})))
    assert "There is no starter plan 'clinic_falls'" in err
    (tmp_path / "broken.yaml").write_text("format: 1\ntemplates: [\n", encoding="utf-8")
    err = _refused(synced, db_url, capsys, "templates", "add", str(tmp_path / "broken.yaml"))
    assert "broken.yaml, line 3: this is not valid YAML" in err
    err = _refused(synced, db_url, capsys, "templates", "add", str(tmp_path / "missing.yaml"))
    assert "There is no file" in err
    err = _refused(synced, db_url, capsys, "templates", "retire", "no_such")
    assert "There is no starter plan 'no_such'; the known codes are: newly_diagnosed" in err
    err = _refused(synced, db_url, capsys, "apply-template", "T-1", "no_such", "--reason", "x")
    assert "There is no starter plan 'no_such'" in err
    err = _refused(synced, db_url, capsys, "apply-template", "T-1", "feeding_tube", "--reason", "x")
    assert "'feeding_tube' (Template Feeding tube v1) is retired" in err
    err = _refused(synced, db_url, capsys, "apply-template", "T-1", "walking_harder", "--reason", "x")
    assert "names catalogue items that are retired or unknown here (pt_walker)" in err


def test_several_problems_are_listed_each_with_its_line(synced: Database, db_url: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    bad = {**OWN, "items": [{"code": "pt_walker", "role": "wizard"}, {"code": "nope_nope", "role": "dietitian"}]}
    before = snapshot(synced)
    code, out, err = _cli(capsys, "templates", "add", str(_file(tmp_path, bad)), "--db", db_url)
    assert (code, out) == (2, "")
    assert "2 problems are fixed" in err
    assert "ours.yaml, line 9, template 1 (clinic_falls): item 1: 'wizard' is not a known team role" in err
    assert "ours.yaml, line 11, template 1 (clinic_falls): item 2: 'nope_nope' is not a catalogue item code" in err
    assert snapshot(synced) == before


def test_yaml_prints_an_editable_file_that_edit_takes_back(synced: Database, db_url: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "templates", "yaml", "starting_niv", "--db", db_url)
    assert (code, err) == (0, "")
    path = tmp_path / "niv.yaml"
    path.write_text(out, encoding="utf-8")
    before = snapshot(synced)
    code, out, _ = _cli(capsys, "templates", "edit", str(path), "--db", db_url)  # unchanged: nothing saved
    assert code == 0 and "already as in the file; nothing was saved" in out and snapshot(synced) == before
    path.write_text(path.read_text(encoding="utf-8").replace("title: Starting NIV", "title: Starting NIV at home"),
                    encoding="utf-8")
    code, out, _ = _cli(capsys, "templates", "edit", str(path), "--author", "Lead", "--db", db_url)
    assert code == 0 and out.startswith("Saved starting_niv as version 2: Starting NIV at home")
    code, out, _ = _cli(capsys, "templates", "yaml", "--db", db_url)
    everything = yaml.safe_load(out)
    assert [t["code"] for t in everything["templates"]] == ["newly_diagnosed", "walking_harder", "starting_niv",
                                                            "feeding_tube", "last_months"]
    assert everything["templates"][2]["version"] == 2
