"""Starter plans: named, versioned sets of catalogue items, and what applying one adds.

Pure: the caller reads the file and the catalogue. Every problem in the file is reported at
once, as for the catalogue, so whoever edits it can fix them in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import TeamMember
from careplan.domain.plan import ItemStatus, PlanContent, PlanItem
from careplan.domain.team import Role
from careplan.domain.text import CODE_PATTERN, blank, field_problem

# A template starts care; "completed", "declined" and "stopped" are outcomes, not starting points.
STARTING_STATUSES = (ItemStatus.PLANNED, ItemStatus.ACTIVE, ItemStatus.ON_HOLD)
_TEMPLATE_KEYS = {"code", "version", "title", "applies_when", "source", "items"}
_ITEM_KEYS = {"code", "role", "status", "frequency", "goal"}


class TemplateFileError(CarePlanError):
    """The templates file cannot be used; `problems` holds one line per problem."""

    def __init__(self, source_name: str, problems: list[str]):
        self.problems = problems
        if len(problems) == 1:  # one problem, one line: what a command prints before exit 2
            super().__init__(f"The starter plans file {source_name} cannot be used: {problems[0]}")
            return
        header = f"The starter plans file {source_name} cannot be used until {len(problems)} problems are fixed:"
        super().__init__("\n".join([header, *(f"- {p}" for p in problems)]))


@dataclass(frozen=True)
class TemplateItem:
    code: str  # a catalogue item code
    role: Role  # who helps
    status: ItemStatus = ItemStatus.PLANNED
    frequency: str = ""  # empty: the catalogue item's own frequency
    goal: str = ""


@dataclass(frozen=True)
class Template:
    code: str
    version: int
    title: str
    applies_when: str
    source: str
    items: tuple[TemplateItem, ...]
    # How the clinic keeps it (services/template_store.py); a parsed file leaves the defaults.
    active: bool = True
    custom: bool = False  # added by the clinic, not shipped
    edited_by: str | None = None
    edited_at: datetime | None = None
    row_version: int = 0  # the stored row's version, for refusing a save over someone else's

    @property
    def label(self) -> str:
        """How a revision's reason names it: the template and the version applied."""
        return f"Template {self.title} v{self.version}"


def parse_templates(text: str, source_name: str, catalogue_codes: Iterable[str],
                    retired_codes: Iterable[str] = ()) -> list[Template]:
    """Parse and check the templates YAML against the catalogue; raise TemplateFileError listing every problem.

    Each problem starts with the file and the line of the template or item it is about.
    """
    import yaml  # slow to import; only reading the file needs it, not the editor that applies a template

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise TemplateFileError(source_name, [f"{source_name}{where}: this is not valid YAML."]) from exc
    return templates_from_data(data, source_name, catalogue_codes, retired_codes, _lines(text))


def templates_from_data(data: Any, source_name: str, catalogue_codes: Iterable[str],
                        retired_codes: Iterable[str] = (), lines: dict[tuple[int, int], int] | None = None,
                        ) -> list[Template]:
    """Check plain data in the file's shape (also what a FHIR import maps to); TemplateFileError lists every problem."""
    known, retired, lines = set(catalogue_codes), set(retired_codes), lines or {}
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("format") != 1:
        raise TemplateFileError(source_name, [f"{source_name}: it must start with 'format: 1' and a list of 'templates'."])
    raw_templates = data.get("templates")
    if not isinstance(raw_templates, list) or not raw_templates:
        raise TemplateFileError(source_name, [f"{source_name}: 'templates' must be a list with at least one template."])
    templates: list[Template] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_templates, start=1):
        def at(item: int, index: int = index) -> str:
            line = lines.get((index, item)) or lines.get((index, 0))
            return f"{source_name}, line {line}" if line else source_name

        where = f"template {index}"
        if not isinstance(raw, dict):
            problems.append(f"{at(0)}, {where}: should be a set of fields.")
            continue
        code = raw.get("code")
        if isinstance(code, str):
            where += f" ({code})"
        before = len(problems)
        problems.extend(f"{at(item)}, {where}: {p}" for item, p in _template_problems(raw, seen, known, retired))
        if len(problems) == before:
            templates.append(_build(raw))
        if isinstance(code, str):
            seen.add(code)
    if problems:
        raise TemplateFileError(source_name, problems)
    return templates


def _lines(text: str) -> dict[tuple[int, int], int]:
    """The 1-based line of template n, (n, 0), and of its item m, (n, m): problems name where to look."""
    import yaml

    lines: dict[tuple[int, int], int] = {}
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if key.value != "templates" or not isinstance(value, yaml.SequenceNode):
            continue
        for n, node in enumerate(value.value, start=1):
            lines[(n, 0)] = node.start_mark.line + 1
            for k, v in node.value if isinstance(node, yaml.MappingNode) else ():
                if k.value == "items" and isinstance(v, yaml.SequenceNode):
                    lines.update({(n, m): item.start_mark.line + 1 for m, item in enumerate(v.value, start=1)})
    return lines


def _template_problems(raw: dict[str, Any], seen: set[str], known: set[str],
                       retired: set[str]) -> list[tuple[int, str]]:
    """(item number, problem): 0 for the template's own fields."""
    out = [f"'{k}' is not a field a template has (known: {', '.join(sorted(_TEMPLATE_KEYS))})."
           for k in sorted(set(map(str, raw)) - _TEMPLATE_KEYS)]
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        out.append("'code' must be 3 to 64 lowercase letters, digits or underscores, starting with a letter.")
    elif code in seen:
        out.append(f"the code '{code}' is used by an earlier template; every code must be unique.")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        out.append("'version' must be a whole number, 1 or more.")
    for name in ("title", "applies_when", "source"):
        if not isinstance(raw.get(name), str) or blank(raw[name]):
            out.append(f"'{name}' is missing or empty; write the text.")
        elif msg := field_problem("catalogue.title" if name == "title" else "item.goal", raw[name]):
            out.append(f"'{name}' {msg}.")
    found = [(0, p) for p in out]
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        return [*found, (0, "'items' must be a list with at least one item.")]
    codes: set[str] = set()
    for n, item in enumerate(items, start=1):
        found.extend((n, f"item {n}: {p}") for p in _item_problems(item, codes, known, retired))
    return found


def _item_problems(item: Any, codes: set[str], known: set[str], retired: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return ["should be a set of fields."]
    out = [f"'{k}' is not a field a template item has (known: {', '.join(sorted(_ITEM_KEYS))})."
           for k in sorted(set(map(str, item)) - _ITEM_KEYS)]
    code = item.get("code")
    if isinstance(code, str) and code in retired:
        out.append(f"'{code}' is a retired catalogue item; a template cannot bring back care the clinic withdrew.")
    elif not isinstance(code, str) or code not in known:
        out.append(f"{code!r} is not a catalogue item code; use a code from catalogue.yaml.")
    elif code in codes:
        out.append(f"'{code}' is listed twice in this template.")
    else:
        codes.add(code)
    if item.get("role") not in set(Role):
        out.append(f"{item.get('role')!r} is not a known team role; use one of: {', '.join(Role)}.")
    if item.get("status", "planned") not in {s.value for s in STARTING_STATUSES}:
        out.append(f"{item.get('status')!r} is not a starting status; use one of: {', '.join(STARTING_STATUSES)}.")
    for name, key in (("frequency", "item.frequency"), ("goal", "item.goal")):
        value = item.get(name, "")
        if not isinstance(value, str):
            out.append(f"'{name}' should be text.")
        elif msg := field_problem(key, value):
            out.append(f"'{name}' {msg}.")
    return out


def _build(raw: dict[str, Any]) -> Template:
    return Template(
        code=raw["code"], version=raw["version"], title=raw["title"].strip(),
        applies_when=raw["applies_when"].strip(), source=raw["source"].strip(), items=items_from_json(raw["items"]),
    )


def items_from_json(raw: list[dict[str, Any]]) -> tuple[TemplateItem, ...]:
    """Template items from checked plain data (the file's, the database's JSON column's)."""
    return tuple(TemplateItem(code=i["code"], role=Role(i["role"]), status=ItemStatus(i.get("status", "planned")),
                              frequency=str(i.get("frequency", "")).strip(), goal=str(i.get("goal", "")).strip())
                 for i in raw)


def templates_to_data(templates: Iterable[Template]) -> dict[str, Any]:
    """Templates in the file's shape (format 1): what templates_from_data reads back."""
    return {"format": 1, "templates": [{"code": t.code, "version": t.version, "title": t.title,
                                        "applies_when": t.applies_when, "source": t.source,
                                        "items": items_to_json(t.items)} for t in templates]}


def items_to_json(items: Iterable[TemplateItem]) -> list[dict[str, str]]:
    """The items as plain data, with the keys of the file and of `careplan templates --json`."""
    return [{"code": i.code, "role": i.role.value, "status": i.status.value, "frequency": i.frequency,
             "goal": i.goal} for i in items]


def who_helps(role: Role, team: Iterable[TeamMember]) -> str:
    """The patient's own team member with that role, as the plan editor names them; else the role."""
    for member in team:
        if member.role == role:
            return f"{member.name} ({role.label})" if member.name.strip() else role.label
    return role.label


def items_to_add(template: Template, content: PlanContent, catalogue: dict[str, CatalogueItem],
                 team: Iterable[TeamMember], on: date) -> tuple[PlanItem, ...]:
    """The plan items applying `template` adds: only those whose catalogue item the plan lacks.

    Raises CarePlanError when a template item is retired or missing from the clinic's catalogue,
    so a template never brings back care the clinic has withdrawn.
    """
    present = {i.catalogue_code for i in content.items} | {i.key for i in content.items}
    members = list(team)
    missing = [t.code for t in template.items if t.code not in catalogue or not catalogue[t.code].active]
    if missing:
        raise CarePlanError(f"{template.label} names catalogue items that are retired or unknown here "
                            f"({', '.join(missing)}); nothing was added.")
    added = []
    for t in template.items:
        if t.code in present:
            continue
        cat = catalogue[t.code]
        added.append(PlanItem(
            uid=cat.code, catalogue_code=cat.code, discipline=cat.discipline, title=cat.title,
            caregiver_instructions=cat.caregiver_instructions, clinical_description=cat.clinical_description,
            frequency=t.frequency or cat.frequency, responsible=who_helps(t.role, members), goal=t.goal,
            start_date=on, status=t.status,
        ))
    return tuple(added)
