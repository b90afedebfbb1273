"""Turns the catalogue file's text into items, and checks items a clinic adds by hand.

Pure: the caller reads the files. Every problem in the file is reported at once, so whoever
edits it can fix them in one pass, and the app never starts on half a catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import jsonschema
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError, Problems
from careplan.domain.limits import limit
from careplan.domain.team import Role
from careplan.domain.text import CODE_PATTERN, CODE_RULE, blank, check_length, field_problem

_TEXT_FIELDS = ("title", "clinical_description", "caregiver_instructions", "frequency", "source")
_CUSTOM_FIELDS = ("title", "clinical_description", "caregiver_instructions", "frequency", "safety_notes", "source")


class CatalogueFileError(CarePlanError):
    """The catalogue file cannot be used; `problems` holds one line per problem."""

    def __init__(self, source_name: str, problems: list[str]):
        self.source_name = source_name
        self.problems = problems
        count = "1 problem is" if len(problems) == 1 else f"{len(problems)} problems are"
        header = f"The treatment catalogue {source_name} cannot be used until {count} fixed:"
        super().__init__("\n".join([header, *(f"- {p}" for p in problems)]))


def parse_catalogue(text: str, source_name: str, schema: dict[str, Any]) -> list[CatalogueItem]:
    """Parse and check the catalogue YAML; raise CatalogueFileError listing every problem."""
    root, data = _load_yaml(text, source_name)
    report = _Report(source_name, root, data)
    try:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise CatalogueFileError(source_name, [f"the catalogue schema itself is broken: {exc.message}"]) from exc
    validator = validator_class(schema)
    for error in validator.iter_errors(data):
        for field, message in _describe(error):
            report.add(list(error.absolute_path)[:2], field, message)
    if root is not None:
        for path, key in _duplicate_keys(root, []):
            report.add(path[:2], key, "appears twice in the same place; only the last one would count, so remove one.")
    raw_items = data.get("items") if isinstance(data, dict) else None
    items = raw_items if isinstance(raw_items, list) else []
    _check_items(items, report)
    if report.lines:
        raise CatalogueFileError(source_name, report.sorted_lines())
    return [_build(raw) for raw in items]


def validate_custom_item(item: CatalogueItem) -> None:
    """Check an item a clinic adds by hand. Markup, emoji and right-to-left text are kept as typed."""
    problems = Problems()
    if not isinstance(item.code, str) or not CODE_PATTERN.fullmatch(item.code):
        problems.add("code", f"The code {CODE_RULE}.")
    if blank(item.title):
        problems.add("title", "Enter a title for the treatment.")
    if blank(item.caregiver_instructions):
        problems.add("caregiver_instructions", "Write the instructions caregivers will read; they cannot be empty.")
    for name in _CUSTOM_FIELDS:
        value = getattr(item, name) or ""
        if isinstance(value, str) and (msg := field_problem(f"catalogue.{name}", value)):
            problems.add(name, f"{limit(f'catalogue.{name}').label} {msg}.")
    if not _is_member(Discipline, item.discipline):
        problems.add("discipline", f"'{item.discipline}' is not a known discipline.")
    if not _is_member(Role, item.role):
        problems.add("role", f"'{item.role}' is not a known team role.")
    problems.raise_if_any()


class _Report:
    """Problem lines, each naming the file, the line, the item and the field.

    Also used for the guideline rules file (rules_parse.py): `list_key` names the list of
    entries ("items", "rules") and `noun` what one entry is called in a message.
    """

    def __init__(self, source_name: str, root: Node | None, data: Any, *, list_key: str = "items", noun: str = "item"):
        self.source_name = source_name
        self.root = root
        self.data = data
        self.list_key, self.noun = list_key, noun
        self.lines: list[tuple[int, str]] = []
        self.fields: set[tuple[int | None, str | None]] = set()

    def add(self, path: list[Any], field: str | None, message: str) -> None:
        index = path[1] if len(path) >= 2 and path[0] == self.list_key and isinstance(path[1], int) else None
        line = self._line(path, field)
        where = f"{self.source_name}, line {line}"
        if index is not None:
            where += f", {self.noun} {index + 1}{self._code_of(index)}"
        if field is not None:
            where += f", field '{_printable(field)}'"
        entry = (line, f"{where}: {message}")
        if entry not in self.lines:
            self.lines.append(entry)
        self.fields.add((index, field))

    def reported(self, index: int, field: str) -> bool:
        return (index, field) in self.fields

    def sorted_lines(self) -> list[str]:
        # In file order, so an editor can work down the file.
        return [text for _, text in sorted(self.lines, key=lambda entry: entry[0])]

    def _code_of(self, index: int) -> str:
        item = self.data[self.list_key][index]
        code = item.get("code") if isinstance(item, dict) else None
        return f" (code {_printable(code)})" if isinstance(code, str) and code.strip() else " (no code)"

    def _line(self, path: list[Any], field: str | None) -> int:
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for step in [*path, field] if field is not None else path:
            if isinstance(node, MappingNode):
                found = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == step), None)
                if found is None:
                    break
                line, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line


def _load_yaml(text: str, source_name: str) -> tuple[Node | None, Any]:
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # already reads the text, so it can fail too
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "an unknown line"
        raise CatalogueFileError(source_name, [f"{source_name}, {where}: this is not valid YAML ({exc.problem or exc.context})."]) from exc
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise CatalogueFileError(source_name, [f"{source_name}, line {line}: the file contains a character YAML cannot hold ({exc.reason}, {exc.character!r})."]) from exc
    except yaml.YAMLError as exc:
        raise CatalogueFileError(source_name, [f"{source_name}: this is not valid YAML ({exc})."]) from exc
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise CatalogueFileError(source_name, [f"{source_name}, line 1: the file is empty; it needs 'format: 1' and a list of 'items'."])
    return root, data


def _describe(error: jsonschema.ValidationError) -> Iterator[tuple[str | None, str]]:
    """Turn one schema error into (field, plain message) pairs."""
    path = list(error.absolute_path)
    field = str(path[-1]) if path and not isinstance(path[-1], int) else None
    # The stubs type these as "maybe unset"; a raised error always has them.
    instance: Any = error.instance
    expected: Any = error.validator_value
    schema: Any = error.schema
    kind = error.validator
    if kind == "required" and isinstance(instance, dict):
        for name in expected:
            if name not in instance:
                yield name, "is missing; every item needs it." if path else "is missing."
    elif kind == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        for name in sorted(set(instance) - set(known)):
            yield str(name), f"is not a field the catalogue knows; check the spelling (known fields: {', '.join(known)})."
    elif kind == "enum":
        noun = {"discipline": "discipline", "role": "team role"}.get(field or "", "value")
        yield field, f"{_show(instance)} is not a known {noun}; use one of: {', '.join(map(str, expected))}."
    elif kind == "type":
        yield field, f"should be {_expected(expected)}, but it is {_kind_of(instance)}."
    elif kind == "pattern" and field == "code":
        yield field, f"{_show(instance)} is not a valid code: use 3 to 64 lowercase letters, digits or underscores, starting with a letter."
    elif kind == "pattern":
        yield field, "is empty; write the text."
    elif kind == "maxLength":
        yield field, f"{check_length(instance, expected)}."
    elif kind == "const":
        yield field, f"must be {expected!r}, the only format this version reads; it is {_show(instance)}."
    elif kind == "minItems":
        yield field, "has no items; the catalogue needs at least one."
    else:
        yield field, error.message


def _check_items(items: list[Any], report: _Report) -> None:
    """Rules the schema cannot express: unique codes, and values the Python enums accept."""
    first_use: dict[str, int] = {}
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            continue
        path = ["items", index]
        code = raw.get("code")
        if isinstance(code, str) and not report.reported(index, "code") and not CODE_PATTERN.fullmatch(code):
            report.add(path, "code", f"{_show(code)} is not a valid code: use 3 to 64 lowercase letters, digits or underscores, starting with a letter.")
        if isinstance(code, str):
            if code in first_use:
                report.add(path, "code", f"'{code}' is already used by item {first_use[code] + 1}; every code must be unique.")
            else:
                first_use[code] = index
        for name, enum in (("discipline", Discipline), ("role", Role)):
            if name in raw and not report.reported(index, name) and not _is_member(enum, raw[name]):
                report.add(path, name, f"{_show(raw[name])} is not a known {name}; use one of: {', '.join(enum)}.")


def _duplicate_keys(node: Node, path: list[Any]) -> Iterator[tuple[list[Any], str]]:
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                yield path, name
            seen.add(name)
            yield from _duplicate_keys(value, [*path, name])
    elif isinstance(node, SequenceNode):
        for i, child in enumerate(node.value):
            yield from _duplicate_keys(child, [*path, i])


def _build(raw: dict[str, Any]) -> CatalogueItem:
    # YAML block scalars end with a newline that is not part of the text.
    texts = {name: str(raw[name]).strip() for name in _TEXT_FIELDS}
    return CatalogueItem(
        code=raw["code"],
        discipline=Discipline(raw["discipline"]),
        role=Role(raw["role"]),
        safety_notes=str(raw.get("safety_notes") or "").strip(),
        active=bool(raw.get("active", True)),
        custom=False,
        title=texts["title"],
        clinical_description=texts["clinical_description"],
        caregiver_instructions=texts["caregiver_instructions"],
        frequency=texts["frequency"],
        source=texts["source"],
    )


def _is_member(enum: type[Discipline] | type[Role], value: Any) -> bool:
    try:
        enum(value)
    except ValueError:
        return False
    return True


def _printable(text: str) -> str:
    """Keeps each problem on its own line even when a code or key holds a newline."""
    return text if text.isprintable() else repr(text)[1:-1]


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(json_type: str | list[str]) -> str:
    names = {"string": "text", "array": "a list", "object": "a set of fields", "boolean": "true or false", "integer": "a whole number", "number": "a number"}
    types = [json_type] if isinstance(json_type, str) else json_type
    return " or ".join(names.get(t, t) for t in types)


def _kind_of(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, date):
        return f"a date ({value.isoformat()}); put it in quotes to keep it as text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
