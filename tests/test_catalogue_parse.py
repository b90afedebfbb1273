"""Reading the catalogue file, and checking items a clinic adds by hand."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.catalogue_parse import (
    CatalogueFileError,
    parse_catalogue,
    validate_custom_item,
)
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError, ValidationError
from careplan.domain.team import Role

REPO = Path(__file__).resolve().parents[1]
FILE = "clinic/catalogue.yaml"


def real_schema() -> dict[str, Any]:
    return json.loads((REPO / "resources" / "catalogue.schema.json").read_text(encoding="utf-8"))


def item_yaml(code: str = "pt_stretching", **fields: str) -> str:
    values = {
        "discipline": "physiotherapy",
        "title": "Daily stretching",
        "clinical_description": "Gentle stretches.",
        "caregiver_instructions": "Help with the stretches you were shown.",
        "frequency": "Daily",
        "role": "physiotherapist",
        "source": "NICE NG42",
    }
    values.update(fields)
    lines = [f"  - code: {code}"] + [f"    {k}: {v}" for k, v in values.items() if v != "<omit>"]
    return "\n".join(lines) + "\n"


def catalogue(*items: str) -> str:
    return "format: 1\nitems:\n" + "".join(items)


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogueFileError) as caught:
        parse_catalogue(text, FILE, real_schema())
    error = caught.value
    assert str(error).splitlines()[1:] == [f"- {p}" for p in error.problems]
    return error.problems


def only_problem(text: str) -> str:
    found = problems_of(text)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- the shipped file


def test_the_real_catalogue_parses_into_items() -> None:
    text = (REPO / "resources" / "catalogue.yaml").read_text(encoding="utf-8")
    items = parse_catalogue(text, "resources/catalogue.yaml", real_schema())
    assert len(items) == len(yaml.safe_load(text)["items"])
    assert all(isinstance(i, CatalogueItem) for i in items)
    assert all(isinstance(i.discipline, Discipline) and isinstance(i.role, Role) for i in items)
    assert not any(i.custom for i in items)
    # Folded YAML text must arrive as one clean paragraph.
    assert all(i.caregiver_instructions == i.caregiver_instructions.strip() for i in items)
    assert all("\n" not in i.caregiver_instructions for i in items)


# ---------------------------------------------------------------- good input


def test_valid_items_become_catalogue_items() -> None:
    text = catalogue(
        item_yaml(),
        item_yaml("med_riluzole", discipline="medication", role="neurologist", title="Riluzole",
                  safety_notes="Blood tests.", frequency="As prescribed") + "    active: false\n",
    )
    first, second = parse_catalogue(text, FILE, real_schema())
    assert first == CatalogueItem(
        code="pt_stretching",
        discipline=Discipline.PHYSIOTHERAPY,
        title="Daily stretching",
        clinical_description="Gentle stretches.",
        caregiver_instructions="Help with the stretches you were shown.",
        frequency="Daily",
        role=Role.PHYSIOTHERAPIST,
        source="NICE NG42",
    )
    assert (second.discipline, second.role, second.safety_notes, second.active) == (
        Discipline.MEDICATION, Role.NEUROLOGIST, "Blood tests.", False)


def test_markup_emoji_and_right_to_left_text_in_the_file_are_kept() -> None:
    odd = "Use <b>both</b> hands & rest 😊 — اشرب الماء"
    (item,) = parse_catalogue(catalogue(item_yaml(caregiver_instructions=json.dumps(odd, ensure_ascii=False))), FILE, real_schema())
    assert item.caregiver_instructions == odd


# ---------------------------------------------------------------- each bad input


def test_malformed_yaml_names_the_file_and_line() -> None:
    text = catalogue(item_yaml()) + "  - code: [unclosed\n    title: x\n"
    message = only_problem(text)
    assert message.startswith(f"{FILE}, line 12, column 10:")  # the ':' inside the open bracket
    assert "not valid YAML" in message
    bad_indent = "format: 1\nitems:\n  - code: pt_a\n   title: x\n"
    assert only_problem(bad_indent).startswith(f"{FILE}, line 4,")


def test_error_is_a_careplan_error_with_a_header() -> None:
    with pytest.raises(CarePlanError) as caught:
        parse_catalogue("format: [", FILE, real_schema())
    assert str(caught.value).startswith(f"The treatment catalogue {FILE} cannot be used until 1 problem is fixed:")


def test_control_character_names_its_line() -> None:
    text = catalogue(item_yaml(title="Bad\x07bell"))
    message = only_problem(text)
    assert message.startswith(f"{FILE}, line 5:")
    assert "character" in message


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert "the file is empty" in only_problem(text)


def test_unknown_discipline() -> None:
    message = only_problem(catalogue(item_yaml(), item_yaml("pt_walker", discipline="physio")))
    assert message.startswith(f"{FILE}, line 12, item 2 (code pt_walker), field 'discipline':")
    assert "'physio' is not a known discipline" in message
    assert "occupational_therapy" in message


def test_unknown_role() -> None:
    message = only_problem(catalogue(item_yaml(role="wizard")))
    assert message.startswith(f"{FILE}, line 9, item 1 (code pt_stretching), field 'role':")
    assert "'wizard' is not a known team role" in message


def test_duplicate_code_names_both_items() -> None:
    message = only_problem(catalogue(item_yaml(), item_yaml("pt_walker"), item_yaml()))
    assert message.startswith(f"{FILE}, line 19, item 3 (code pt_stretching), field 'code':")
    assert "already used by item 1" in message


def test_missing_field() -> None:
    message = only_problem(catalogue(item_yaml(caregiver_instructions="<omit>")))
    assert message.startswith(f"{FILE}, line 3, item 1 (code pt_stretching), field 'caregiver_instructions':")
    assert "is missing" in message


def test_item_without_a_code_is_named_by_its_position() -> None:
    text = catalogue(item_yaml(), item_yaml().replace("  - code: pt_stretching\n    discipline", "  - discipline"))
    message = only_problem(text)
    assert message.startswith(f"{FILE}, line 11, item 2 (no code), field 'code': is missing")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", "42", "should be text, but it is the number 42"),
        ("caregiver_instructions", "[a, b]", "should be text, but it is a list"),
        ("frequency", "2024-05-01", "a date (2024-05-01); put it in quotes"),
        ("source", "yes", "should be text, but it is true"),
        ("title", "", "should be text, but it is empty"),
    ],
)
def test_wrong_type(field: str, value: str, expected: str) -> None:
    message = only_problem(catalogue(item_yaml(**{field: value})))
    assert f"item 1 (code pt_stretching), field '{field}':" in message
    assert expected in message


@pytest.mark.parametrize("value", ['""', '"   "', "|-\n      \n"])
def test_empty_required_text(value: str) -> None:
    message = only_problem(catalogue(item_yaml(title=value)))
    assert f"{FILE}, line 5, item 1 (code pt_stretching), field 'title': is empty" in message


def test_bad_code_format() -> None:
    message = only_problem(catalogue(item_yaml("Pt-Stretching")))
    assert "item 1 (code Pt-Stretching), field 'code': 'Pt-Stretching' is not a valid code" in message


def test_code_with_a_trailing_newline_is_refused() -> None:
    message = only_problem(catalogue(item_yaml('"pt_stretching\\n"')))
    assert "field 'code': 'pt_stretching\\n' is not a valid code" in message
    assert "item 1 (code pt_stretching\\n)" in message


def test_unknown_field_is_a_typo_to_fix() -> None:
    message = only_problem(catalogue(item_yaml() + "    safty_notes: careful\n"))
    assert "item 1 (code pt_stretching), field 'safty_notes': is not a field the catalogue knows" in message


def test_same_field_twice_in_one_item() -> None:
    message = only_problem(catalogue(item_yaml() + "    title: Another title\n"))
    assert "item 1 (code pt_stretching), field 'title': appears twice" in message


def test_text_over_the_limit() -> None:
    message = only_problem(catalogue(item_yaml(clinical_description="x" * 10_001)))
    assert "field 'clinical_description': is 10,001 characters long; the limit is 10,000." in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("format: 2\nitems:\n" + item_yaml(), "field 'format': must be 1"),
        ("items:\n" + item_yaml(), "field 'format': is missing."),
        ("format: 1\n", "field 'items': is missing."),
        ("format: 1\nitems: []\n", "field 'items': has no items"),
        ("- a\n- b\n", "should be a set of fields, but it is a list"),
        ("format: 1\nitems:\n  - just text\n", "item 1 (no code): should be a set of fields, but it is text"),
    ],
)
def test_file_level_shape(text: str, expected: str) -> None:
    assert expected in only_problem(text)


def test_every_problem_is_reported_together_in_file_order() -> None:
    text = catalogue(
        item_yaml("pt_one", role="wizard"),
        item_yaml("pt_two", title='""', discipline="dance"),
        item_yaml("pt_one", source="<omit>"),
    )
    found = problems_of(text)
    assert len(found) == 5
    assert [p.split(":")[0] for p in found] == [
        f"{FILE}, line 9, item 1 (code pt_one), field 'role'",
        f"{FILE}, line 12, item 2 (code pt_two), field 'discipline'",
        f"{FILE}, line 13, item 2 (code pt_two), field 'title'",
        f"{FILE}, line 19, item 3 (code pt_one), field 'source'",
        f"{FILE}, line 19, item 3 (code pt_one), field 'code'",
    ]


def test_a_broken_schema_is_reported_not_crashed_on() -> None:
    with pytest.raises(CatalogueFileError, match="schema itself is broken"):
        parse_catalogue(catalogue(item_yaml()), FILE, {"type": 12})


def test_enum_values_the_code_does_not_know_are_refused_even_if_the_schema_allows_them() -> None:
    schema = real_schema()
    schema["$defs"]["item"]["properties"]["role"]["enum"].append("astronaut")
    with pytest.raises(CatalogueFileError) as caught:
        parse_catalogue(catalogue(item_yaml(role="astronaut")), FILE, schema)
    (message,) = caught.value.problems
    assert message.startswith(f"{FILE}, line 9, item 1 (code pt_stretching), field 'role': 'astronaut' is not a known role")


# ---------------------------------------------------------------- items a clinic adds


def custom(**changes: Any) -> CatalogueItem:
    base = CatalogueItem(
        code="clinic_hand_massage",
        discipline=Discipline.PHYSIOTHERAPY,
        title="Hand massage",
        clinical_description="Gentle massage for stiff hands.",
        caregiver_instructions="Rub the hands gently with cream.",
        frequency="Daily",
        role=Role.PHYSIOTHERAPIST,
        source="Clinic",
        custom=True,
    )
    return replace(base, **changes)


def refused(item: CatalogueItem) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_custom_item(item)
    return caught.value


def test_markup_emoji_and_right_to_left_text_are_accepted_and_kept() -> None:
    title = "<b>Bold</b> & brave 💪"
    text = "שתו מים לאט & <i>rest</i> 🙂\nSecond line"
    item = custom(title=title, caregiver_instructions=text)
    validate_custom_item(item)
    assert (item.title, item.caregiver_instructions) == (title, text)


@pytest.mark.parametrize("field", ["title", "caregiver_instructions"])
@pytest.mark.parametrize("value", ["", "   \n\t"])
def test_empty_title_or_instructions_refused(field: str, value: str) -> None:
    error = refused(custom(**{field: value}))
    message = error.for_field(field)
    assert message and ("title" in message.lower() or "instructions" in message.lower())


def test_long_text_refused_with_its_length() -> None:
    assert refused(custom(caregiver_instructions="a" * 10_001)).for_field("caregiver_instructions") == (
        "The caregiver instructions text is 10,001 characters long; the limit is 10,000."
    )
    assert "10,000" in (refused(custom(clinical_description="é" * 12_345)).for_field("clinical_description") or "")
    validate_custom_item(custom(caregiver_instructions="a" * 10_000))


def test_long_frequency_refused_as_a_plan_would_refuse_it() -> None:
    assert "the limit is 500" in (refused(custom(frequency="x" * 501)).for_field("frequency") or "")


@pytest.mark.parametrize("code", ["ab", "Abc", "1abc", "_abc", "has space", "hand-massage", "a" * 65, "café_time", "", "abc\n"])
def test_bad_codes_refused(code: str) -> None:
    assert refused(custom(code=code)).for_field("code")


@pytest.mark.parametrize("code", ["abc", "clinic_hand_massage", "a" * 64, "x2_y"])
def test_good_codes_accepted(code: str) -> None:
    validate_custom_item(custom(code=code))


def test_control_characters_refused() -> None:
    assert "control characters" in (refused(custom(title="Bell\x07")).for_field("title") or "")


def test_unknown_discipline_or_role_refused() -> None:
    error = refused(custom(discipline="dance", role="wizard"))  # type: ignore[arg-type]
    assert error.for_field("discipline") and error.for_field("role")


def test_all_problems_reported_together() -> None:
    error = refused(custom(code="X", title="", caregiver_instructions=""))
    assert [p.field for p in error.problems] == ["code", "title", "caregiver_instructions"]
