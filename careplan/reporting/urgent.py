"""'When to get help now': the ALS danger signs a carer must act on at once (domain.md), in plain
words, grouped by whom to call, each with what to do first. Plain text, no ReportLab."""

from __future__ import annotations

from dataclasses import dataclass

from careplan.domain.clinic import ClinicSettings
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import PlanItem

_VENTILATION_CODES = frozenset({"resp_niv", "resp_tracheostomy_ventilation"})
_TUBE_CODES = frozenset({"nut_feeding_tube"})
AMBULANCE_LEAD = "Call an ambulance (your emergency number) now if:"
AMBULANCE_BRIEF = "Call an ambulance now for:"


@dataclass(frozen=True)
class Sign:
    what: str  # what the carer sees, finishing "Call ... if:"
    brief: str  # the same in at most about 45 characters, for a crowded page 1 in large print
    first: str = ""  # what to do first, while waiting; left out when page 1 is crowded


def clinic_lead(clinic: ClinicSettings, brief: bool = False) -> str:
    """'Call the clinic the same day (020 ...; out of hours 0300 ...) if:', with whichever numbers are known."""
    if brief:
        return "Call the clinic the same day for:"
    numbers = [n for n in (clinic.phone.strip(), f"out of hours {clinic.out_of_hours.strip()}"
                           if clinic.out_of_hours.strip() else "") if n]
    return "Call the clinic the same day" + (f" ({'; '.join(numbers)})" if numbers else "") + " if:"


def signs_for(items: list[PlanItem]) -> tuple[list[Sign], list[Sign]]:
    """(call an ambulance, call the clinic): the standard signs plus those the plan's own items
    make likely (a breathing machine, a feeding tube, medicines that can make someone drowsy)."""
    codes = {i.catalogue_code for i in items}
    titles = " ".join(i.title.lower() for i in items)
    ambulance = [
        Sign("they choke and it does not clear, or their lips or face turn blue or grey",
             "choking that does not clear; blue or grey lips",
             "Stay with them and help them cough."),
        Sign("they suddenly cannot get their breath", "sudden trouble breathing", "Sit them up. Do not give oxygen unless the team planned it."),
        Sign("they fall and hurt their head or hip, or cannot get up", "a fall: hurt head or hip, or cannot get up", "Do not lift them alone; keep them warm."),
    ]
    if any(i.discipline is Discipline.MEDICATION for i in items):
        ambulance.append(Sign("they are very sleepy and hard to wake, or breathe slowly",
                              "very sleepy, hard to wake, slow breathing",
                              "Show the crew the medicines list."))
    if codes & _VENTILATION_CODES or "ventilat" in titles or "(niv)" in titles:
        ambulance.append(Sign("the breathing machine alarm will not stop, or the mask cannot be used",
                              "a breathing machine alarm that will not stop",
                              "Check the mask, tube and power first."))
    clinic = [
        Sign("they have a fever, thick or coloured phlegm, or new confusion (a chest infection)",
             "fever, coloured phlegm or new confusion"),
        Sign("their breathing is worse lying flat than before", "breathing worse lying flat"),
    ]
    if codes & _TUBE_CODES or "tube care" in titles:
        clinic.append(Sign("the feeding tube comes out", "the feeding tube comes out", "Cover the hole with a clean dressing and call at once: "
                                                         "it can close within hours."))
    clinic.append(Sign("they talk about ending their life", "talk of ending their life", "Stay with them and take it seriously. If they are in "
                                                            "danger now, call an ambulance."))
    return ambulance, clinic
