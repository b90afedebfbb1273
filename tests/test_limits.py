"""Every field's limit is defined once (careplan.domain.limits) and every copy agrees with it:
the database columns the migrations created, the export and catalogue schemas, the export
format's documentation and the screens' maximum lengths."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, inspect

from careplan.domain.limits import FIELDS, max_length
from careplan.paths import RESOURCES
from careplan.persistence.engine import Database
from careplan.persistence.models import Base

ROOT = Path(__file__).resolve().parent.parent

# Where each field lives in the export file, as a path through the schema's objects.
_P = "patients[]"
_R = f"{_P}.revisions[]"
EXPORT_PATHS = {
    "patient.mrn": f"{_P}.mrn",
    "patient.full_name": f"{_P}.full_name",
    "patient.preferred_language": f"{_P}.preferred_language",
    "patient.notes": f"{_P}.notes",
    "caregiver.name": f"{_P}.caregivers[].name",
    "caregiver.relationship": f"{_P}.caregivers[].relationship",
    "caregiver.phone": f"{_P}.caregivers[].phone",
    "caregiver.email": f"{_P}.caregivers[].email",
    "team_member.name": f"{_P}.care_team[].name",
    "team_member.phone": f"{_P}.care_team[].phone",
    "plan.goal": f"{_R}.goals[]",
    "revision.author": f"{_R}.author",
    "revision.reason": f"{_R}.reason",
    "assessment.author": f"{_P}.assessments[].author",
    "assessment.reason": f"{_P}.assessments[].reason",
    "decision.actor": f"{_P}.prompt_decisions[].decided_by",
    "decision.reason": f"{_P}.prompt_decisions[].reason",
    **{f"item.{f}": f"{_R}.items[].{f}" for f in ("uid", "catalogue_code", "title", "caregiver_instructions",
                                                  "clinical_description", "frequency", "responsible", "goal",
                                                  "notes")},
}
# app_version is written by CarePlan itself; the ALSFRS-R scores have a fixed form of at most 32 characters.
NOT_A_USER_FIELD = {"app_version", f"{_P}.assessments[].alsfrs"}

# Which column holds each field. Columns of the same text that are not typed by a user (the
# search key, audit actor, draft author, catalogue editor) follow the field they copy.
COLUMNS = {
    "patient.mrn": ["patients.mrn"],
    "patient.full_name": ["patients.full_name", "patients.search_name"],
    "patient.preferred_language": ["patients.preferred_language"],
    "patient.notes": ["patients.notes"],
    "caregiver.name": ["caregivers.name"],
    "caregiver.relationship": ["caregivers.relationship"],
    "caregiver.phone": ["caregivers.phone"],
    "caregiver.email": ["caregivers.email"],
    "team_member.name": ["care_team_members.name"],
    "team_member.phone": ["care_team_members.phone"],
    "plan.goal": ["plan_revisions.goals_json"],
    "revision.author": ["plan_revisions.author", "audit_events.actor", "plan_drafts.author",
                        "catalogue_items.edited_by", "templates.edited_by"],
    "revision.reason": ["plan_revisions.reason"],
    "assessment.author": ["assessments.author"],
    "assessment.reason": ["assessments.reason"],
    "decision.actor": ["prompt_decisions.actor"],
    "decision.reason": ["prompt_decisions.reason"],
    **{f"item.{f}": [f"revision_items.{f}"] for f in ("uid", "catalogue_code", "title", "caregiver_instructions",
                                                      "clinical_description", "frequency", "responsible", "goal",
                                                      "notes")},
    **{f"catalogue.{f}": [f"catalogue_items.{f}"] for f in ("code", "title", "clinical_description",
                                                            "caregiver_instructions", "frequency", "safety_notes",
                                                            "source")},
    # A starter plan's code and title are sized like a catalogue item's (migration 0010_templates).
    "catalogue.code": ["catalogue_items.code", "templates.code"],
    "catalogue.title": ["catalogue_items.title", "templates.title"],
}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The node and every node it refers to; all their keywords apply together."""
    yield node
    ref = node.get("$ref")
    if ref:
        target: Any = schema
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        yield from _resolve(schema, target)


def _max_length(schema: dict[str, Any], node: dict[str, Any]) -> int | None:
    found = [n["maxLength"] for n in _resolve(schema, node) if "maxLength" in n]
    return min(found) if found else None


def _string_leaves(schema: dict[str, Any], node: dict[str, Any], path: str) -> Iterator[tuple[str, int | None]]:
    """(path, maxLength) of every text value the schema describes, e.g. ("patient.caregivers[].phone", 64)."""
    merged: dict[str, Any] = {}
    for n in _resolve(schema, node):
        for key, value in n.items():
            merged.setdefault(key, value)
    types = merged.get("type")
    types = [types] if isinstance(types, str) else types or []
    if "object" in types:
        for name, child in merged.get("properties", {}).items():
            yield from _string_leaves(schema, child, f"{path}.{name}" if path else name)
    elif "array" in types:
        yield from _string_leaves(schema, merged["items"], f"{path}[]")
    elif "string" in types and ("maxLength" in merged or "pattern" not in merged):  # not dates or hashes
        yield path, _max_length(schema, node)


def _export_leaves() -> dict[str, int | None]:
    schema = json.loads((RESOURCES / "export.schema.json").read_text(encoding="utf-8"))
    return dict(_string_leaves(schema, schema, ""))


def test_every_field_has_a_positive_limit_and_a_label() -> None:
    for key, rule in FIELDS.items():
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", key), key
        assert rule.max_length > 0 and rule.label, key


def test_export_schema_repeats_every_limit_exactly() -> None:
    leaves = _export_leaves()
    expected = {path: max_length(key) for key, path in EXPORT_PATHS.items()}
    assert {p: leaves.get(p) for p in expected} == expected
    # Every text in the file is a known field, so a new one cannot skip this test.
    unknown = set(leaves) - set(expected) - NOT_A_USER_FIELD
    assert not unknown, f"text in the export schema with no limit in careplan.domain.limits: {sorted(unknown)}"


def test_catalogue_schema_repeats_the_catalogue_limits() -> None:
    schema = json.loads((RESOURCES / "catalogue.schema.json").read_text(encoding="utf-8"))
    item = schema["$defs"]["item"]["properties"]
    for key in (k for k in FIELDS if k.startswith("catalogue.") and k != "catalogue.code"):
        assert _max_length(schema, item[key.split(".")[1]]) == max_length(key), key
    assert "{2,63}" in item["code"]["pattern"] and max_length("catalogue.code") == 64


def test_a_plan_item_holds_any_catalogue_text() -> None:
    """Items copy the catalogue's words: a catalogue limit above the item's would make plans unsavable."""
    for name in ("title", "clinical_description", "caregiver_instructions", "frequency"):
        assert max_length(f"catalogue.{name}") <= max_length(f"item.{name}")
    assert max_length("catalogue.code") <= max_length("item.catalogue_code") <= max_length("item.uid")


def test_models_size_their_columns_from_the_limits() -> None:
    tables = Base.metadata.tables
    for key, columns in COLUMNS.items():
        for qualified in columns:
            table, column = qualified.split(".")
            col = tables[table].c[column]
            if isinstance(col.type, String) and col.type.length is not None:
                assert col.type.length == max_length(key), qualified
    assert set(COLUMNS) == set(FIELDS)


def test_the_migrated_database_has_the_models_column_lengths(db: Database) -> None:
    """No migration is needed for the limits: the columns the migrations made are exactly as long."""
    inspector = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        actual = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length is not None:
                assert getattr(actual[column.name], "length", None) == column.type.length, f"{table.name}.{column.name}"


def test_the_export_format_page_states_every_limit() -> None:
    text = (ROOT / "docs" / "export-format.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| ([0-9,]+) \|", text, re.MULTILINE))
    in_file = {k: max_length(k) for k in FIELDS if not k.startswith("catalogue.")}
    assert {k: int(v.replace(",", "")) for k, v in rows.items()} == in_file


@pytest.mark.parametrize("key", sorted(FIELDS))
def test_max_length_is_what_the_validators_enforce_at_the_boundary(key: str) -> None:
    from careplan.domain.text import field_problem

    at_limit = {"mrn": "M", "phone": "1", "email": "a", "code": "c"}.get(FIELDS[key].allows.value, "x")
    value = at_limit * max_length(key)
    if FIELDS[key].allows.value == "email":
        value = "a" * (max_length(key) - 4) + "@b.c"
    if FIELDS[key].allows.value == "code":
        value = "c" * 64
    assert field_problem(key, value) is None
    assert field_problem(key, value + value[-1]) is not None


# The field each line edit types into, by the object name of the edit or of its combo box.
WIDGET_FIELDS = {
    "patientName": "patient.full_name",
    "patientMrn": "patient.mrn",
    "patientLanguage": "patient.preferred_language",
    "planGoalNew": "plan.goal",
    "itemFrequency": "item.frequency",
    "itemResponsible": "item.responsible",
    "itemGoal": "item.goal",
    "catalogue_code": "catalogue.code",
    "catalogue_title": "catalogue.title",
    "catalogue_frequency": "catalogue.frequency",
}
CELL_FIELDS = {
    "caregivers": ["caregiver.name", "caregiver.relationship", "caregiver.phone", "caregiver.email"],
    "careTeam": ["team_member.name", None, "team_member.phone"],
}


def _line_edit_limits(form: Any) -> dict[str, int]:
    from PySide6.QtWidgets import QComboBox, QLineEdit

    from careplan.ui.form_fields import DateField

    found = {}
    for edit in form.findChildren(QLineEdit):
        ancestors = []
        widget = edit.parent()
        while widget is not None:
            ancestors.append(widget)
            widget = widget.parent()
        if any(isinstance(w, DateField) for w in ancestors):
            continue  # a date, and its calendar's year box: parsed, not stored as text
        owner = edit.parent()
        name = owner.objectName() if isinstance(owner, QComboBox) else edit.objectName()
        assert name, f"a line edit in {form.objectName()} has no object name to say its field"
        found[name] = edit.maxLength()
    return found


def test_every_line_edit_in_the_forms_has_the_fields_limit(qtbot: Any, sqlite_db: Database) -> None:
    from PySide6.QtWidgets import QLineEdit, QStyleOptionViewItem

    from careplan.ui.catalogue_form import CatalogueItemForm
    from careplan.ui.patient_dialog import NUMBER_LENGTH, PatientDialog
    from careplan.ui.plan_fields import PlanFieldsPanel
    from careplan.ui.plan_item_form import PlanItemForm

    forms = [PatientDialog(sqlite_db, "Nurse Test"), PlanFieldsPanel(), PlanItemForm(), CatalogueItemForm()]
    seen: dict[str, int] = {}
    for form in forms:
        qtbot.addWidget(form)
        seen.update(_line_edit_limits(form))
    numbers = {"patientUsualWeight": NUMBER_LENGTH, "patientHeight": NUMBER_LENGTH}  # checked as numbers
    assert seen == {name: max_length(key) for name, key in WIDGET_FIELDS.items()} | numbers

    dialog = forms[0]
    for table_widget, keys in ((dialog.caregivers, CELL_FIELDS["caregivers"]), (dialog.team, CELL_FIELDS["careTeam"])):
        table = table_widget.table
        row = table_widget.add_row()
        for col, key in enumerate(keys):
            if key is None:
                continue  # the role is chosen from a list
            editor = table.itemDelegate().createEditor(table.viewport(), QStyleOptionViewItem(),
                                                       table.model().index(row, col))
            assert isinstance(editor, QLineEdit) and editor.maxLength() == max_length(key), key

    goals = forms[1].goals
    goals.addItem("Keep walking")
    editor = goals.itemDelegate().createEditor(goals.viewport(), QStyleOptionViewItem(), goals.model().index(0, 0))
    assert isinstance(editor, QLineEdit) and editor.maxLength() == max_length("plan.goal")
