"""The shipped starter plans: checked against the catalogue, and every broken file named line by line."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from careplan.domain.plan import ItemStatus
from careplan.domain.templates import STARTING_STATUSES, TemplateFileError, parse_templates
from careplan.services.catalogue import shipped_catalogue
from careplan.services.templates import TEMPLATES_FILE, shipped_templates

CODES = [c.code for c in shipped_catalogue()]
GOOD = {"format": 1, "templates": [{
    "code": "tmpl_one", "version": 1, "title": "One", "applies_when": "Always.", "source": "NICE NG42",
    "items": [{"code": "pt_stretching", "role": "physiotherapist", "status": "active", "goal": "Stay supple."}],
}]}


def test_the_shipped_set_names_the_five_phases_with_sources_and_real_catalogue_items() -> None:
    templates = shipped_templates()
    assert [t.title for t in templates] == ["Newly diagnosed", "Walking getting harder", "Starting NIV",
                                           "Feeding tube", "Last months of life"]
    active = {c.code for c in shipped_catalogue() if c.active}
    for t in templates:
        assert t.version >= 1 and t.source and t.applies_when
        assert {i.code for i in t.items} <= active
        assert all(i.status in STARTING_STATUSES and i.goal for i in t.items)


def _problems(data: object) -> str:
    with pytest.raises(TemplateFileError) as caught:
        parse_templates(yaml.safe_dump(data, allow_unicode=True), "templates.yaml", CODES)
    return str(caught.value)


def _with(**item: object) -> dict[str, object]:
    template = dict(GOOD["templates"][0])  # type: ignore[index]
    template["items"] = [{**template["items"][0], **item}]  # type: ignore[index]
    return {"format": 1, "templates": [template]}


def test_a_good_file_parses() -> None:
    [t] = parse_templates(yaml.safe_dump(GOOD), "templates.yaml", CODES)
    assert (t.label, t.items[0].status, t.items[0].frequency) == ("Template One v1", ItemStatus.ACTIVE, "")


@pytest.mark.parametrize(("data", "words"), [
    (_with(code="pt_no_such_thing"), "'pt_no_such_thing' is not a catalogue item code"),
    (_with(role="wizard"), "'wizard' is not a known team role"),
    (_with(status="declined"), "'declined' is not a starting status"),
    (_with(frequency="x" * 600), "'frequency'"),
    (_with(goal="bell \a"), "'goal'"),
    (_with(colour="red"), "'colour' is not a field a template item has"),
    ({"format": 1, "templates": [GOOD["templates"][0], GOOD["templates"][0]]},  # type: ignore[index]
     "used by an earlier template"),
    ({"format": 1, "templates": [{**GOOD["templates"][0], "version": 0}]}, "'version' must be a whole number"),  # type: ignore[index]
    ({"format": 1, "templates": [{**GOOD["templates"][0], "title": "  "}]}, "'title' is missing or empty"),  # type: ignore[index]
    ({"format": 1, "templates": [{**GOOD["templates"][0], "items": []}]}, "'items' must be a list"),  # type: ignore[index]
    ({"format": 2, "templates": []}, "'format: 1'"),
    ({"format": 1, "templates": []}, "at least one template"),
])
def test_each_problem_is_named_with_the_template(data: object, words: str) -> None:
    message = _problems(data)
    assert message.startswith("The starter plans file templates.yaml cannot be used")
    assert words in message, message


def test_every_problem_is_listed_at_once() -> None:
    message = _problems(_with(code="nope_nope", role="wizard", status="stopped"))
    assert "3 problems are" in message and "template 1 (tmpl_one): item 1:" in message


def test_not_yaml_names_the_line() -> None:
    with pytest.raises(TemplateFileError, match=r"templates.yaml, line \d+: this is not valid YAML"):
        parse_templates("format: 1\ntemplates: [\n", "templates.yaml", CODES)


def test_the_file_ships_as_package_data() -> None:
    assert TEMPLATES_FILE.read_text(encoding="utf-8").startswith("# CarePlan starter plans")


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(["frequency", "goal"]), value=st.text(max_size=80))
def test_any_text_is_kept_exactly_or_refused_naming_the_field(field: str, value: str) -> None:
    data = _with(**{field: value})
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        [t] = parse_templates(text, "templates.yaml", CODES)
    except TemplateFileError as e:
        assert f"'{field}'" in str(e)
    else:
        assert getattr(t.items[0], field) == value.strip()
