"""Starter plans as FHIR R4B PlanDefinition: export validated by fhir.resources, import back, bad files refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.plandefinition import PlanDefinition
from hypothesis import given, settings
from hypothesis import strategies as st

from careplan.cli import main
from careplan.domain.fhir_plandefinition import plan_definition, template_data
from careplan.domain.team import Role
from careplan.domain.templates import STARTING_STATUSES, Template, TemplateItem, templates_from_data
from careplan.persistence.engine import Database
from careplan.services import audit, catalogue, template_store
from careplan.services.templates import shipped_templates
from tests.history_fixtures import snapshot


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def synced(db: Database) -> Database:
    catalogue.sync_catalogue(db)
    template_store.sync_templates(db)
    return db


def test_every_shipped_template_parses_as_r4b_and_maps_back_to_itself() -> None:
    codes = [c.code for c in catalogue.shipped_catalogue()]
    titles = {c.code: c.title for c in catalogue.shipped_catalogue()}
    for t in shipped_templates():
        resource = plan_definition(t, titles)
        parsed = PlanDefinition.model_validate(resource)
        assert parsed.status == "active" and parsed.version == str(t.version) and parsed.usage == t.applies_when
        assert len(parsed.action or []) == len(t.items)
        [back] = templates_from_data(template_data(json.loads(parsed.model_dump_json()), None), "x", codes)
        assert back == t


def test_export_then_import_under_a_new_code_gives_the_same_items(synced: Database, db_url: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "niv.json"
    code, printed, err = _cli(capsys, "template-export", "starting_niv", "--out", str(out), "--db", db_url)
    assert (code, err) == (0, ""), err
    assert "PlanDefinition" in printed
    resource = json.loads(out.read_text(encoding="utf-8"))
    PlanDefinition.model_validate(resource)
    assert resource["identifier"] == [{"system": "urn:careplan:template", "value": "starting_niv"}]
    assert resource["action"][0]["code"][0]["coding"][0]["system"] == "urn:careplan:catalogue"
    exported = [e for e in audit.list_events(synced) if e.action == "data.exported"]
    assert exported[0].details["format"] == "fhir-r4b-plandefinition"
    code, printed, err = _cli(capsys, "template-import", str(out), "--code", "our_niv", "--json", "--db", db_url)
    assert (code, err) == (0, ""), err
    original, imported = template_store.get_template(synced, "starting_niv"), template_store.get_template(synced, "our_niv")
    assert imported.items == original.items
    assert (imported.title, imported.applies_when, imported.source, imported.version) == (
        original.title, original.applies_when, original.source, original.version)
    assert imported.custom and json.loads(printed)["code"] == "our_niv"


def test_a_clinic_template_with_hostile_text_round_trips(synced: Database, tmp_path: Path) -> None:
    niv = template_store.get_template(synced, "starting_niv")
    own = replace(niv, code="clinic_x", title="<b>NIV</b> & \"masks\" 😀", applies_when="שלום עולם مرحبا",
                  items=tuple(replace(i, frequency="", goal="") for i in niv.items))
    template_store.add_templates(synced, [own], actor="Nurse")
    out = tmp_path / "x.json"
    from careplan.services.template_exchange import export_plan_definition, import_plan_definition

    export_plan_definition(synced, "clinic_x", out, actor="Nurse")
    back = import_plan_definition(synced, out, code="clinic_y", actor="Nurse")
    assert (back.title, back.applies_when, back.items) == (own.title, own.applies_when, own.items)


def _bad(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "in.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _good(db: Database) -> dict[str, Any]:
    titles = {c.code: c.title for c in catalogue.list_items(db)}
    return plan_definition(template_store.get_template(db, "feeding_tube"), titles)


@pytest.mark.parametrize(("make", "words"), [
    (lambda g: '{"resourceType": "PlanDefinition",', "in.json, line 1: this is not valid JSON"),
    (lambda g: "[1, 2]", "holds a JSON list, not a FHIR resource"),
    (lambda g: {**g, "resourceType": "CarePlan"}, "holds a FHIR CarePlan, not a PlanDefinition"),
    (lambda g: {"status": "active"}, "holds no FHIR resourceType, not a PlanDefinition"),
    (lambda g: {k: v for k, v in g.items() if k != "status"}, "is not a valid FHIR R4B PlanDefinition (status:"),
    (lambda g: {**g, "action": "walk"}, "is not a valid FHIR R4B PlanDefinition (action: Input should be a valid list"),
    (lambda g: {**g, "action": [{**g["action"][0], "code": [{"coding": [{"system": "urn:careplan:catalogue",
                                                                          "code": "zz_unknown"}]}]}]},
     "cannot be added as a starter plan: action 1: 'zz_unknown' is not a catalogue item code"),
    (lambda g: {**g, "action": [g["action"][0], {"title": "Something else"}]},
     "in.json: action 2 has no code from urn:careplan:catalogue"),
    (lambda g: {**g, "identifier": [{"system": "urn:careplan:template", "value": "No spaces"}]},
     "'code' must be 3 to 64 lowercase letters"),
    (lambda g: {**g, "extra": 1}, "(extra: Extra inputs are not permitted)"),
    (lambda g: g, "A starter plan with the code feeding_tube already exists"),
])
def test_bad_files_are_one_line_exit_2_and_change_nothing(synced: Database, db_url: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str], make: Any,
                                                          words: str) -> None:
    path = _bad(tmp_path, make(_good(synced)))
    before = snapshot(synced)
    code, out, err = _cli(capsys, "template-import", str(path), "--db", db_url)
    assert (code, out) == (2, "")
    assert err.startswith("careplan: ") and err.count("\n") == 1 and words in err, err
    assert snapshot(synced) == before


def test_export_of_an_unknown_template_or_over_a_file_is_refused(synced: Database, db_url: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kept.json"
    out.write_text("mine", encoding="utf-8")
    before = snapshot(synced)
    code, _, err = _cli(capsys, "template-export", "no_such", "--out", str(tmp_path / "n.json"), "--db", db_url)
    assert code == 2 and "There is no starter plan 'no_such'" in err
    code, _, err = _cli(capsys, "template-export", "feeding_tube", "--out", str(out), "--db", db_url)
    assert code == 2 and err.count("\n") == 1 and out.read_text(encoding="utf-8") == "mine"
    assert snapshot(synced) == before and not (tmp_path / "n.json").exists()


_CATALOGUE = catalogue.shipped_catalogue()
_TEXT = st.text(st.characters(whitelist_categories=("L", "N", "P", "Zs", "S")), min_size=1, max_size=40).map(
    lambda s: " ".join(s.split())).filter(bool)


@st.composite
def _templates(draw: st.DrawFn) -> Template:
    codes = draw(st.lists(st.sampled_from([c.code for c in _CATALOGUE]), min_size=1, max_size=6, unique=True))
    items = tuple(TemplateItem(code=c, role=draw(st.sampled_from(list(Role))), status=draw(st.sampled_from(
        list(STARTING_STATUSES))), frequency=draw(st.one_of(st.just(""), _TEXT)), goal=draw(st.one_of(st.just(""), _TEXT)))
        for c in codes)
    return Template(code=draw(st.from_regex(r"[a-z][a-z0-9_]{2,20}", fullmatch=True)),
                    version=draw(st.integers(1, 10_000)), title=draw(_TEXT), applies_when=draw(_TEXT),
                    source=draw(_TEXT), items=items, active=draw(st.booleans()))


@settings(max_examples=80, deadline=None)
@given(template=_templates())
def test_any_template_survives_the_round_trip_through_a_validated_plan_definition(template: Template) -> None:
    resource = plan_definition(template, {c.code: c.title for c in _CATALOGUE})
    parsed = json.loads(PlanDefinition.model_validate(resource).model_dump_json())
    [back] = templates_from_data(template_data(parsed, None), "x", [c.code for c in _CATALOGUE])
    assert back == replace(template, active=True)  # an import is always in use
