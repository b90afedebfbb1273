"""Saying, in a line, what was saved elsewhere (another window, the CLI, another coordinator)."""

from __future__ import annotations

from careplan.services.changes import Changes


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def already_shown(changes: Changes, open_patient: int | None, shown_revision: int) -> bool:
    """Only revisions of the open plan that the editor already shows (say, after a conflict).

    Announcing them again would replace the editor's own, more useful status message.
    """
    if open_patient is None or changes.everything or changes.catalogue or changes.plans != {open_patient}:
        return False
    latest = changes.latest_revision(open_patient)
    return latest is not None and latest[0] <= shown_revision and changes.patients <= {open_patient}


def describe_elsewhere(changes: Changes, open_patient: int | None) -> str:
    """e.g. 'Saved elsewhere: Nurse Lee saved revision 4 of this plan; 2 other plans.' No names of patients."""
    if changes.everything:
        return "Data was imported or restored elsewhere; every list was reloaded."
    parts: list[str] = []
    plans = set(changes.plans)
    if open_patient is not None and open_patient in plans:
        latest = changes.latest_revision(open_patient)
        parts.append(f"{latest[1]} saved revision {latest[0]} of this plan" if latest else "this plan changed")
        plans.discard(open_patient)
    if plans:
        parts.append(_count(len(plans), "other plan", "other plans"))
    details = set(changes.patients) - set(changes.plans)
    if open_patient in details:
        parts.append("this patient's details")
        details.discard(open_patient)  # type: ignore[arg-type]
    if details:
        parts.append(_count(len(details), "patient's details", "patients' details"))
    if changes.catalogue:
        parts.append("the catalogue")
    if not parts:
        return "Saved elsewhere: the audit log has new entries."
    return "Saved elsewhere: " + "; ".join(parts) + "."
