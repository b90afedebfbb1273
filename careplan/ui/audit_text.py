"""The audit log's stored details, said in plain words."""

from __future__ import annotations

from typing import Any

from careplan.domain.lifecycle import reason_label
from careplan.services.audit import REVISION_HASH, AuditEvent

_PATIENT_FIELDS = {
    "mrn": "MRN",
    "full_name": "name",
    "date_of_birth": "date of birth",
    "diagnosis_date": "diagnosis date",
    "onset_site": "onset site",
    "preferred_language": "preferred language",
    "notes": "notes",
    "caregivers": "caregivers",
    "care_team": "care team",
}
_CATALOGUE_FIELDS = {
    "title": "title",
    "clinical_description": "clinical description",
    "caregiver_instructions": "caregiver instructions",
    "frequency": "how often",
    "role": "who does it",
    "safety_notes": "safety notes",
    "discipline": "discipline",
}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _listed(names: list[str], words: dict[str, str]) -> str:
    return ", ".join(words.get(n, n.replace("_", " ")) for n in names)


def _generic(details: dict[str, Any]) -> str:
    parts = []
    for key, value in details.items():
        if key == REVISION_HASH:  # for `careplan check`, not for reading
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def summarise(e: AuditEvent) -> str:
    d = e.details or {}
    a = e.action
    if a == "patient.created":
        return "New patient record."
    if a == "patient.edited":
        fields = d.get("fields") or []
        return f"Changed {_listed(list(fields), _PATIENT_FIELDS)}." if fields else "Saved with no changes."
    if a.startswith("patient.") and "from" in d:  # a lifecycle event (services/lifecycle.py)
        return lifecycle_summary(d)
    if a == "patient.opened":
        return "Record opened in CarePlan."
    if a == "plan.signed":
        return f"Signed as {d.get('meaning', '?')} (login {d.get('signed_by', '?')})."
    if a == "demo.removed":
        return f"{_plural(int(d.get('patients', 0)), 'demo patient')} removed with their history."
    if a == "catalogue.seeded":
        return (f"{_plural(int(d.get('added', 0)), 'item')} added and {int(d.get('updated', 0)):,} updated "
                "from the CarePlan catalogue.")
    if a == "catalogue.added":
        return f"New item {e.entity_key}."
    if a == "catalogue.edited":
        fields = list((d.get("fields") or {}).keys())
        return f"Item {e.entity_key}: changed {_listed(fields, _CATALOGUE_FIELDS)}." if fields else f"Item {e.entity_key}."
    if a in ("catalogue.retired", "catalogue.reactivated"):
        return f"Item {e.entity_key}."
    if a.startswith("template."):
        return _template_summary(e, d)
    if a in ("plan.saved", "plan.restored"):
        parts = []
        if d.get("restored_from"):
            parts.append(f"Copy of revision {d['restored_from']}.")
        if "items" in d:
            parts.append(f"{_plural(int(d['items']), 'item')}.")
        if d.get("reason"):
            parts.append(f"Reason: {d['reason']}")
        return " ".join(parts)
    if a == "pdf.exported":
        what = "Printed" if d.get("purpose") == "print" else f"Saved as {d.get('file', 'a PDF file')}"
        extras = []
        if d.get("pages"):
            extras.append(_plural(int(d["pages"]), "page"))
        if d.get("paper"):
            extras.append(str(d["paper"]).upper() if d["paper"] == "a4" else str(d["paper"]).capitalize())
        if d.get("large_print"):
            extras.append("large print")
        return f"{what}" + (f" ({', '.join(extras)})." if extras else ".")
    return _generic(d)


def _template_summary(e: AuditEvent, d: dict[str, Any]) -> str:
    """Starter plan events (services/template_store.py)."""
    if e.action == "template.seeded":
        return (f"{_plural(int(d.get('added', 0)), 'starter plan')} added and {int(d.get('updated', 0)):,} updated "
                "from CarePlan's starter plans.")
    if e.action == "template.edited":
        fields = [f.replace("_", " ") for f in (d.get("fields") or {})]
        return f"Starter plan {e.entity_key}: changed {', '.join(fields)}." if fields else f"Starter plan {e.entity_key}."
    version = f" (version {d['version']})" if d.get("version") else ""
    return f"Starter plan {e.entity_key}{version}."


def lifecycle_summary(d: dict[str, Any]) -> str:
    """E.g. "Was active. Reason: moved away. Date: 2026-11-02." (the codes in plain words)."""
    parts = [f"Was {d['from']}."]
    if d.get("reason"):
        parts.append(f"Reason: {reason_label(str(d['reason']))}.")
    if d.get("date"):
        parts.append(f"Date: {d['date']}.")
    return " ".join(parts)
