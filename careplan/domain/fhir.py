"""A patient's plan (the latest revision, or every revision) as an HL7 FHIR R4B Bundle (plain dicts;
the service validates them), with the ALS course as Observations (careplan.domain.fhir_observations).

Pure: no I/O and no FHIR library, so the mapping can be read and tested on its own. References
are urn:uuid values derived from the MRN, so exporting the same revision twice gives the same file.
"""

from __future__ import annotations

import uuid
from typing import Any

from careplan.domain.course import Assessment
from careplan.domain.fhir_observations import course_observations
from careplan.domain.patient import Patient
from careplan.domain.plan import ItemStatus, PlanStatus, Revision

MRN_SYSTEM = "urn:careplan:mrn"
CATALOGUE_SYSTEM = "urn:careplan:catalogue"
REVISION_SYSTEM = "urn:careplan:plan-revision"  # CarePlan.identifier: <MRN>/<revision number>
_NAMESPACE = uuid.UUID("6f1c2d8e-4a51-4b7e-9a34-2f0c8e5d7b11")

# Our item status -> R4B CarePlanActivityStatus. "Offered but declined" is cancelled with doNotPerform.
ACTIVITY_STATUS = {
    ItemStatus.PLANNED: "not-started",
    ItemStatus.ACTIVE: "in-progress",
    ItemStatus.ON_HOLD: "on-hold",
    ItemStatus.COMPLETED: "completed",
    ItemStatus.DECLINED: "cancelled",
    ItemStatus.STOPPED: "stopped",
}
PLAN_STATUS = {PlanStatus.DRAFT: "draft", PlanStatus.ACTIVE: "active"}
# A revision a later one replaced: R4B request-status "revoked" = terminated before full completion,
# no further activity under it (its work continues under the newer plan, which `replaces` it).
# Not "completed" (the care was not all done) nor "entered-in-error" (it was a real, followed plan).
SUPERSEDED_STATUS = "revoked"


def _urn(mrn: str, what: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{mrn}|{what}')}"


def plan_bundle(patient: Patient, revision: Revision) -> dict[str, Any]:
    """Patient, RelatedPerson (caregivers), Practitioner (team), CareTeam, Goal and CarePlan."""
    return record_bundle(patient, [revision], [])


def record_bundle(patient: Patient, revisions: list[Revision], assessments: list[Assessment],
                  superseded: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The people, one CarePlan (with its Goals) per revision in `revisions` (oldest first; each
    replaces the one before, the older ones revoked), and the assessments as Observations.

    `superseded`: ids of assessments a later one corrected; exported as entered-in-error.
    """
    mrn = patient.mrn
    entries: list[tuple[str, dict[str, Any]]] = []
    patient_ref = _urn(mrn, "patient")
    resource: dict[str, Any] = {"resourceType": "Patient", "identifier": [{"system": MRN_SYSTEM, "value": mrn}],
                                "name": [{"text": patient.full_name}]}
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    entries.append((patient_ref, resource))
    participants = []
    for n, carer in enumerate(patient.caregivers):
        ref = _urn(mrn, f"caregiver/{n}")
        person: dict[str, Any] = {"resourceType": "RelatedPerson", "patient": {"reference": patient_ref},
                                  "name": [{"text": carer.name}]}
        if carer.relationship.strip():
            person["relationship"] = [{"text": carer.relationship}]
        telecom = [{"system": s, "value": v} for s, v in (("phone", carer.phone), ("email", carer.email)) if v.strip()]
        if telecom:
            person["telecom"] = telecom
        entries.append((ref, person))
        participants.append({"role": [{"text": "Caregiver"}], "member": {"reference": ref, "display": carer.name}})
    for n, member in enumerate(patient.care_team):
        ref = _urn(mrn, f"team/{n}")
        practitioner: dict[str, Any] = {"resourceType": "Practitioner"}
        if member.name.strip():
            practitioner["name"] = [{"text": member.name}]
        if member.phone.strip():
            practitioner["telecom"] = [{"system": "phone", "value": member.phone}]
        entries.append((ref, practitioner))
        participants.append({"role": [{"text": member.role.label}],
                             "member": {"reference": ref, "display": member.name or member.role.label}})
    team_ref = _urn(mrn, "careteam")
    team: dict[str, Any] = {"resourceType": "CareTeam", "status": "active", "subject": {"reference": patient_ref},
                            "name": f"Care team of {mrn}"}
    if participants:
        team["participant"] = participants
    entries.append((team_ref, team))
    # One Goal per distinct goal text, shared by every revision that has it: a goal kept from one
    # revision to the next is the same goal. One the latest revision no longer has was dropped from
    # the plan: "cancelled" is the nearest R4B lifecycle status (whether it was met is not recorded).
    current = {g.text for g in revisions[-1].content.goals} if revisions else set()
    goals: dict[str, str] = {}
    for revision in revisions:
        for goal in revision.content.goals:
            if goal.text not in goals:
                goals[goal.text] = _urn(mrn, f"goal/{goal.text}")
                entries.append((goals[goal.text], {
                    "resourceType": "Goal", "lifecycleStatus": "active" if goal.text in current else "cancelled",
                    "description": {"text": goal.text}, "subject": {"reference": patient_ref}}))
    previous: str | None = None
    for n, revision in enumerate(revisions):
        latest = n == len(revisions) - 1
        previous = _careplan(entries, mrn, revision, patient_ref, team_ref, goals, latest=latest, replaces=previous)
    entries += course_observations(mrn, patient_ref, assessments, set(superseded), lambda key: _urn(mrn, key))
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": url, "resource": res} for url, res in entries]}


def _careplan(entries: list[tuple[str, dict[str, Any]]], mrn: str, revision: Revision, patient_ref: str,
              team_ref: str, goals: dict[str, str], *, latest: bool, replaces: str | None) -> str:
    """Append the revision's CarePlan to `entries`; its reference. `goals`: goal text -> Goal reference."""
    content = revision.content
    goal_refs = [{"reference": ref} for ref in dict.fromkeys(goals[g.text] for g in content.goals)]
    plan: dict[str, Any] = {
        "resourceType": "CarePlan", "identifier": [{"system": REVISION_SYSTEM, "value": f"{mrn}/{revision.number}"}],
        "status": PLAN_STATUS[content.status] if latest else SUPERSEDED_STATUS, "intent": "plan",
        "title": f"Care plan, revision {revision.number}", "subject": {"reference": patient_ref},
        "created": revision.created_at.isoformat(), "author": {"display": revision.author},
        "careTeam": [{"reference": team_ref}],
    }
    if replaces:
        plan["replaces"] = [{"reference": replaces}]
    if revision.reason.strip():
        plan["description"] = revision.reason
    period = {k: d.isoformat() for k, d in (("start", content.start_date), ("end", content.next_review)) if d}
    if period:
        plan["period"] = period
    if goal_refs:
        plan["goal"] = goal_refs
    activities = [{"detail": _detail(item)} for item in content.sorted_items()]
    if activities:
        plan["activity"] = activities
    ref = _urn(mrn, f"r{revision.number}/careplan")
    entries.append((ref, plan))
    return ref


def _detail(item: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": {"coding": [{"system": CATALOGUE_SYSTEM, "code": item.catalogue_code, "display": item.title}],
                 "text": item.title},
        "status": ACTIVITY_STATUS[item.status],
        "doNotPerform": item.status is ItemStatus.DECLINED,
    }
    if item.caregiver_instructions.strip():
        detail["description"] = item.caregiver_instructions
    if item.frequency.strip():
        detail["scheduledString"] = item.frequency
    if item.responsible.strip():
        detail["performer"] = [{"display": item.responsible}]
    return detail
