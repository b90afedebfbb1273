"""Turns a guideline rules file into rules, naming every problem with file, line and rule code.

Pure, like the catalogue parser it shares its line-finding with: the caller reads the files and
says which catalogue codes exist. A rule that names an unknown catalogue code, or a condition
that cannot be evaluated (an unknown fact, an operator the fact does not take, a value of the
wrong kind), is reported before anything is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import jsonschema

from careplan.domain.catalogue_parse import (
    CatalogueFileError,
    _describe,
    _duplicate_keys,
    _load_yaml,
    _Report,
    _show,
)
from careplan.domain.errors import CarePlanError
from careplan.domain.guidelines import Rule, condition_problems
from careplan.domain.text import CODE_PATTERN


class RulesFileError(CarePlanError):
    """The rules file cannot be used; `problems` holds one line per problem."""

    def __init__(self, source_name: str, problems: list[str]):
        self.source_name = source_name
        self.problems = problems
        count = "1 problem is" if len(problems) == 1 else f"{len(problems)} problems are"
        header = f"The guideline rules file {source_name} cannot be used until {count} fixed:"
        super().__init__("\n".join([header, *(f"- {p}" for p in problems)]))


def parse_rules(text: str, source_name: str, schema: dict[str, Any], catalogue_codes: Iterable[str]) -> list[Rule]:
    """Parse and check a rules file; raise RulesFileError listing every problem."""
    codes = set(catalogue_codes)
    try:
        root, data = _load_yaml(text, source_name)
    except CatalogueFileError as e:  # not YAML, or empty: the shared reader's words, about rules
        raise RulesFileError(source_name, [p.replace("'items'", "'rules'") for p in e.problems]) from None
    report = _Report(source_name, root, data, list_key="rules", noun="rule")
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    for error in validator_class(schema).iter_errors(data):
        for field, message in _describe_rule_error(error):
            report.add(list(error.absolute_path)[:2], field, message)
    if root is not None:
        for path, key in _duplicate_keys(root, []):
            report.add(path[:2], key, "appears twice in the same place; only the last one would count, so remove one.")
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    rules = raw_rules if isinstance(raw_rules, list) else []
    _check_rules(rules, codes, report)
    if report.lines:
        raise RulesFileError(source_name, report.sorted_lines())
    return [_build(raw) for raw in rules]


def _describe_rule_error(error: jsonschema.ValidationError) -> Iterator[tuple[str | None, str]]:
    instance: Any = error.instance
    schema: Any = error.schema
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        for name in sorted(set(instance) - set(known)):
            yield str(name), f"is not a field a rule has; check the spelling (known fields: {', '.join(known)})."
    elif error.validator == "minItems":
        path = list(error.absolute_path)
        yield (str(path[-1]) if path else None), "is empty; it needs at least one entry."
    elif error.validator == "required" and isinstance(instance, dict):
        for name in error.validator_value:  # type: ignore[union-attr]
            if name not in instance:
                yield name, "is missing; every rule needs it."
    else:
        yield from _describe(error)


def _check_rules(rules: list[Any], codes: set[str], report: _Report) -> None:
    first_use: dict[str, int] = {}
    for index, raw in enumerate(rules):
        if not isinstance(raw, dict):
            continue
        path = ["rules", index]
        code = raw.get("code")
        if isinstance(code, str):
            if not report.reported(index, "code") and not CODE_PATTERN.fullmatch(code):
                report.add(path, "code", f"{_show(code)} is not a valid code: use 3 to 64 lowercase letters, "
                                         "digits or underscores, starting with a letter.")
            if code in first_use:
                report.add(path, "code", f"'{code}' is already used by rule {first_use[code] + 1}; every code must be unique.")
            else:
                first_use[code] = index
        suggests = raw.get("suggests")
        if isinstance(suggests, list):
            for i, c in enumerate(suggests):
                if isinstance(c, str) and c not in codes:
                    report.add([*path, "suggests", i], None, f"field 'suggests': {_show(c)} is not in the catalogue.")
        when = raw.get("when")
        if "when" in raw and isinstance(when, dict):
            for where, message in condition_problems(when, codes):
                steps = " > ".join(str(s + 1) if isinstance(s, int) else str(s) for s in where)
                report.add([*path, "when", *where], None, f"field 'when'{f' ({steps})' if steps else ''}: {message}")


def _build(raw: dict[str, Any]) -> Rule:
    def text(name: str) -> str:
        return " ".join(str(raw[name]).split())  # folded YAML: one line

    return Rule(code=raw["code"], title=text("title"), when=raw["when"], suggests=tuple(raw["suggests"]),
                rationale=text("rationale"), source=text("source"), revisit=bool(raw.get("revisit", False)),
                active=bool(raw.get("active", True)))
