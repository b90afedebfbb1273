"""A starter plan (template) as an HL7 FHIR R4B PlanDefinition, and back (docs/fhir.md, "PlanDefinition").

Pure: plain dicts, no FHIR library (the service validates with fhir.resources). The way back
maps a PlanDefinition to the templates file's own shape, so an imported template passes exactly
the checks a clinic's YAML file does (domain/templates.py templates_from_data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careplan.domain.fhir import CATALOGUE_SYSTEM
from careplan.domain.team import Role
from careplan.domain.templates import Template

TEMPLATE_SYSTEM = "urn:careplan:template"
ROLE_SYSTEM = "urn:careplan:role"
# Our item's starting status (planned, active, on_hold). PlanDefinition.action has no status of its
# own (a definition is not yet care), so it travels in an extension; other systems may ignore it.
STATUS_EXTENSION = "urn:careplan:fhir:starting-status"
PLAN_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol",
             "display": "Clinical Protocol"}


def _name(code: str) -> str:
    """PlanDefinition.name: a machine-friendly name (constraint pdf-0 asks for one starting uppercase)."""
    return "".join(part[:1].upper() + part[1:] for part in code.split("_"))


def plan_definition(template: Template, titles: Mapping[str, str]) -> dict[str, Any]:
    """The template as a PlanDefinition; `titles` are the catalogue items' titles, shown to a reader."""
    goals: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for n, item in enumerate(template.items, start=1):
        coding = {"system": CATALOGUE_SYSTEM, "code": item.code}
        if titles.get(item.code):
            coding["display"] = titles[item.code]
        action: dict[str, Any] = {
            "extension": [{"url": STATUS_EXTENSION, "valueCode": item.status.value}],
            "title": titles.get(item.code) or item.code,
            "code": [{"coding": [coding]}],
            "participant": [{"type": "practitioner", "role": {
                "coding": [{"system": ROLE_SYSTEM, "code": item.role.value, "display": item.role.label}],
                "text": item.role.label}}],
        }
        if item.goal:
            goals.append({"id": f"goal-{n}", "description": {"text": item.goal}})
            action["goalId"] = [f"goal-{n}"]
        if item.frequency:
            action["timingTiming"] = {"code": {"text": item.frequency}}
        actions.append(action)
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": template.code.replace("_", "-"),  # FHIR ids allow letters, digits, - and . only
        "identifier": [{"system": TEMPLATE_SYSTEM, "value": template.code}],
        "version": str(template.version),
        "name": _name(template.code),
        "title": template.title,
        "type": {"coding": [PLAN_TYPE]},
        "status": "active" if template.active else "retired",
        "usage": template.applies_when,
        "relatedArtifact": [{"type": "citation", "citation": template.source}],
        "action": actions,
    }
    if goals:
        resource["goal"] = goals
    return resource


def _coded(concepts: Any, system: str) -> str | None:
    """The code from `system` in a CodeableConcept (or a list of them), if there is one."""
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        for coding in (concept or {}).get("coding") or []:
            if coding.get("system") == system and coding.get("code"):
                return str(coding["code"])
    return None


def template_data(resource: Mapping[str, Any], code: str | None) -> dict[str, Any]:
    """A parsed PlanDefinition in the templates file's shape (format 1), for the same checks as a YAML file.

    `code` overrides the identifier, so a clinic can import a template under its own code. What
    cannot be mapped is left for the checks to name (an action without a catalogue code becomes
    an item with no code), never guessed.
    """
    goals = {g.get("id"): (g.get("description") or {}).get("text", "") for g in resource.get("goal") or []}
    identifier = next((i.get("value") for i in resource.get("identifier") or []
                       if i.get("system") == TEMPLATE_SYSTEM), None)
    version = str(resource.get("version") or "1")
    items = []
    for action in resource.get("action") or []:
        participant = (action.get("participant") or [{}])[0]
        status = next((e.get("valueCode") for e in action.get("extension") or []
                       if e.get("url") == STATUS_EXTENSION), "planned")
        role = _coded(participant.get("role"), ROLE_SYSTEM) or _role_from_text(participant.get("role"))
        item: dict[str, Any] = {"code": _coded(action.get("code") or [], CATALOGUE_SYSTEM), "role": role,
                                "status": status,
                                "frequency": ((action.get("timingTiming") or {}).get("code") or {}).get("text", ""),
                                "goal": " ".join(goals.get(g, "") for g in action.get("goalId") or []).strip()}
        items.append(item)
    citations = [a.get("citation") or a.get("display") or "" for a in resource.get("relatedArtifact") or []]
    return {"format": 1, "templates": [{
        "code": code or identifier or resource.get("name"),
        "version": int(version) if version.isdigit() else version,
        "title": resource.get("title") or resource.get("name") or "",
        "applies_when": resource.get("usage") or resource.get("description") or "",
        "source": "; ".join(c for c in citations if c),
        "items": items,
    }]}


def _role_from_text(concept: Any) -> str | None:
    """A role written only as text by another system ("Dietitian"): ours when the label matches."""
    text = str((concept or {}).get("text", "")).strip().casefold()
    return next((r.value for r in Role if r.label.casefold() == text), None) if text else None
