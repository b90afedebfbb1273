"""Which plan items are equipment, and what each medicine is for: printout groupings the
catalogue does not mark itself (its items carry a discipline, not a kind), keyed by catalogue code."""

from __future__ import annotations

import re

from careplan.domain.disciplines import Discipline
from careplan.domain.plan import PlanItem

# Aids, devices and machines a carer looks after (resources/catalogue.yaml).
EQUIPMENT_CODES = frozenset({
    "pt_leg_brace", "pt_walker", "pt_wheelchair_use", "ot_dressing_aids", "ot_grooming_aids", "ot_eating_aids",
    "ot_bathing_aids", "ot_walking_cane", "ot_hand_splints", "ot_assistive_technology", "slt_alphabet_board",
    "slt_text_to_speech_tablet", "slt_speech_generating_device", "resp_niv", "resp_cough_assist",
    "resp_tracheostomy_ventilation", "nut_feeding_tube",
})
_PURPOSE = {
    "med_riluzole": "to slow the illness",
    "med_edaravone": "to slow the illness",
    "med_clinical_trial_referral": "a research study",
}
ASK_PURPOSE = "Ask your doctor"
_FOR = re.compile(r"\((for [^()]+)\)\s*$", re.IGNORECASE)

# Order of the item sections on the printout: medicines, then supplements with their caveat,
# then the other support (the catalogue's own order puts supplements last).
PRINT_ORDER = (  # then the clinic visits, last (see current_items)
    Discipline.PHYSIOTHERAPY, Discipline.OCCUPATIONAL_THERAPY, Discipline.SPEECH, Discipline.NUTRITION,
    Discipline.RESPIRATORY, Discipline.MEDICATION, Discipline.SUPPLEMENT, Discipline.PSYCHOSOCIAL,
    Discipline.PALLIATIVE,
)


# Checks, tests and talks the team does at clinic visits: the carer's part is to notice and tell,
# so each prints as one paragraph under "At clinic visits" instead of a titled block of its own.
# The breathing check, the dietitian's review and advance care planning are such talks too; the
# guideline prompts add the last two to about half the demo plans.
CLINIC_VISIT_CODES = frozenset({
    "pt_mobility_review", "ot_daily_living_assessment", "ot_wheelchair_seating", "slt_aac_assessment",
    "slt_swallowing_assessment", "nut_weight_check", "nut_gastrostomy_discussion", "resp_fvc_snip",
    "psy_cognitive_screening", "med_clinical_trial_referral", "resp_symptom_check", "nut_dietitian_support",
    "pal_advance_care_planning",
})
AT_CLINIC = "At clinic visits"

# The item sections' headings. One heading per discipline put a heading over nearly every item (a
# plan has about ten items across seven disciplines), a sixth of the printout; "Who helps" under
# each item already says which part of the team it belongs to.
EVERYDAY_CARE = "Everyday care"
SUPPORT = "Support and planning ahead"
MEDICINES = Discipline.MEDICATION.caregiver_heading
SUPPLEMENTS = Discipline.SUPPLEMENT.caregiver_heading
_SECTION = {Discipline.MEDICATION: MEDICINES, Discipline.SUPPLEMENT: SUPPLEMENTS,
            Discipline.PSYCHOSOCIAL: SUPPORT, Discipline.PALLIATIVE: SUPPORT}


def section(item: PlanItem) -> str:
    """The heading an item prints under."""
    if item.catalogue_code in CLINIC_VISIT_CODES:
        return AT_CLINIC
    return _SECTION.get(item.discipline, EVERYDAY_CARE)


def is_equipment(item: PlanItem) -> bool:
    return item.catalogue_code in EQUIPMENT_CODES


def medicine_purpose(item: PlanItem) -> str:
    """'for stiff muscles' from the title, the catalogue's purpose, or the item's goal."""
    if m := _FOR.search(item.title):
        return m.group(1)
    return _PURPOSE.get(item.catalogue_code) or item.goal.strip() or ASK_PURPOSE


def medicine_name(item: PlanItem) -> str:
    return _FOR.sub("", item.title).strip() or item.title
