"""A patient's ALS course as HL7 FHIR R4B Observations (plain dicts; the service validates them).

Pure: no I/O and no FHIR library. Every measurement carries our own code (OBSERVATION_SYSTEM), and
a LOINC code beside it only where a published LOINC term was found for exactly that measurement
(docs/fhir.md lists the sources). A LOINC code we could not confirm is left out rather than guessed:
a wrong code is worse than none, because a receiving system would file the value under it.

ALSFRS-R item 5 keeps its form: 5a and 5b are different questions with different codes, never one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from careplan.domain.course import ITEM_NAMES, Alsfrs, Assessment, Item5Form

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_SYSTEM = "urn:careplan:observation"  # our code system for course measurements (docs/fhir.md)
ASSESSMENT_SYSTEM = "urn:careplan:assessment"  # identifiers: <MRN>/<assessment id>/<code>
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"

# Confirmed LOINC terms (docs/fhir.md, "Codes and where they come from").
LOINC_CODES: dict[str, tuple[str, str]] = {
    "alsfrs-r": ("82954-9", "Amyotrophic lateral sclerosis functional rating scale - revised [ALSFRS-R]"),
    "alsfrs-r-total": ("82953-1", "Total score [ALSFRS-R]"),
    "alsfrs-r-1": ("82940-8", "Speech [ALSFRS-R]"),
    "alsfrs-r-2": ("82941-6", "Salivation [ALSFRS-R]"),
    "alsfrs-r-5a": ("82944-0", "Cutting food and handling utensils (patients without gastrostomy) [ALSFRS-R]"),
    "alsfrs-r-8": ("82948-1", "Walking [ALSFRS-R]"),
    "fvc-pct": ("19872-1", "FVC measured/predicted"),
    "fvc-litres": ("19870-5", "Forced vital capacity [Volume] Respiratory system"),
    "weight": ("29463-7", "Body weight"),
}
FVC_POSITION = {"sitting": "Sitting", "lying": "Lying (supine)"}

# A reference for an entry of the bundle, from a stable key (see careplan.domain.fhir._urn).
Urn = Callable[[str], str]


def item_code(number: int, alsfrs: Alsfrs) -> str:
    """Our code for ALSFRS-R item `number`: item 5 says which form was asked (5a or 5b)."""
    return f"alsfrs-r-{alsfrs.item5_form.value}" if number == 5 else f"alsfrs-r-{number}"


def item_display(number: int, alsfrs: Alsfrs) -> str:
    name = ITEM_NAMES[number - 1]
    if number == 5:
        with_or_not = "with" if alsfrs.item5_form is Item5Form.WITH_GASTROSTOMY else "without"
        return f"ALSFRS-R item {alsfrs.item5_form.value}: {name} (patients {with_or_not} gastrostomy)"
    return f"ALSFRS-R item {number}: {name}"


def _code(ours: str, display: str) -> dict[str, Any]:
    coding = [{"system": OBSERVATION_SYSTEM, "code": ours, "display": display}]
    if ours in LOINC_CODES:
        code, name = LOINC_CODES[ours]
        coding.append({"system": LOINC, "code": code, "display": name})
    return {"coding": coding, "text": display}


def _quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum}


def course_observations(mrn: str, patient_ref: str, assessments: list[Assessment], superseded: set[int],
                        urn: Urn) -> list[tuple[str, dict[str, Any]]]:
    """(fullUrl, Observation) for each measurement of each assessment, oldest first.

    Assessments whose id is in `superseded` were corrected later: entered-in-error, their values kept.
    """
    corrected_by = {a.supersedes: a for a in assessments if a.supersedes is not None}
    entries: list[tuple[str, dict[str, Any]]] = []
    for a in sorted(assessments, key=lambda x: (x.assessed_on, x.id or 0)):
        newer = corrected_by.get(a.id) if a.id is not None else None
        entries.extend(_assessment(mrn, patient_ref, a, a.id in superseded, newer, urn))
    return entries


def _assessment(mrn: str, patient_ref: str, a: Assessment, retracted: bool, newer: Assessment | None,
                urn: Urn) -> list[tuple[str, dict[str, Any]]]:
    key = f"{mrn}/{a.id}"
    notes = []
    if a.supersedes is not None:
        notes.append(f"Corrects assessment {a.supersedes}" + (f": {a.reason}" if a.reason.strip() else "."))
    if retracted and newer is not None:
        notes.append(f"Corrected by assessment {newer.id}" + (f": {newer.reason}" if newer.reason.strip() else "."))

    def observation(code: str, display: str, category: str, value: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "identifier": [{"system": ASSESSMENT_SYSTEM, "value": f"{key}/{code}"}],
            "status": "entered-in-error" if retracted else "final",
            "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": category}]}],
            "code": _code(code, display), "subject": {"reference": patient_ref},
            "effectiveDateTime": a.assessed_on.isoformat(), "performer": [{"display": a.author}], **value,
        }
        if notes:
            resource["note"] = [{"text": n} for n in notes]
        return urn(f"assessment/{a.id}/{code}"), resource

    out: list[tuple[str, dict[str, Any]]] = []
    if a.alsfrs is not None:
        members = [observation("alsfrs-r-total", "ALSFRS-R total score", "survey",
                               {"valueInteger": sum(a.alsfrs.items)})]
        members += [observation(item_code(n, a.alsfrs), item_display(n, a.alsfrs), "survey",
                                {"valueInteger": a.alsfrs.item(n)}) for n in range(1, 13)]
        panel = observation("alsfrs-r", "ALSFRS-R", "survey",
                            {"hasMember": [{"reference": ref} for ref, _ in members]})
        out += [panel, *members]
    if a.fvc_pct is not None:
        out.append(observation("fvc-pct", "FVC, % of predicted", "exam",
                               {"valueQuantity": _quantity(a.fvc_pct, "%", "%")}))
    if a.fvc_litres is not None:
        out.append(observation("fvc-litres", "FVC in litres", "exam",
                               {"valueQuantity": _quantity(a.fvc_litres, "L", "L")}))
    if a.fvc_position is not None:  # R4B has no bodyPosition element: the position goes in `method`
        for _, res in out:
            if res["code"]["coding"][0]["code"].startswith("fvc-"):
                res["method"] = {"text": FVC_POSITION[a.fvc_position.value]}
    if a.snip_cmh2o is not None:
        out.append(observation("snip", "SNIP (sniff nasal inspiratory pressure)", "exam",
                               {"valueQuantity": _quantity(a.snip_cmh2o, "cmH2O", "cm[H2O]")}))
    if a.weight_kg is not None:
        out.append(observation("weight", "Body weight", "vital-signs",
                               {"valueQuantity": _quantity(a.weight_kg, "kg", "kg")}))
    return out
