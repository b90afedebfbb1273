"""The disciplines a plan is organised by, in the order the clinic and the printout use."""

from __future__ import annotations

from enum import StrEnum


class Discipline(StrEnum):
    PHYSIOTHERAPY = "physiotherapy"
    OCCUPATIONAL_THERAPY = "occupational_therapy"
    SPEECH = "speech"
    NUTRITION = "nutrition"
    RESPIRATORY = "respiratory"
    MEDICATION = "medication"
    PSYCHOSOCIAL = "psychosocial"
    PALLIATIVE = "palliative"
    SUPPLEMENT = "supplement"

    @property
    def order(self) -> int:
        return DISCIPLINE_ORDER.index(self)

    @property
    def label(self) -> str:
        """The clinician's name for the discipline."""
        return _CLINICAL_LABELS[self]

    @property
    def caregiver_heading(self) -> str:
        """The heading the caregiver printout uses."""
        return _CAREGIVER_HEADINGS[self]

    @property
    def is_core(self) -> bool:
        """One of the five disciplines the plan builder is organised around."""
        return self in CORE_DISCIPLINES


DISCIPLINE_ORDER: tuple[Discipline, ...] = tuple(Discipline)
CORE_DISCIPLINES: frozenset[Discipline] = frozenset(DISCIPLINE_ORDER[:5])

_CLINICAL_LABELS = {
    Discipline.PHYSIOTHERAPY: "Physiotherapy",
    Discipline.OCCUPATIONAL_THERAPY: "Occupational therapy",
    Discipline.SPEECH: "Speech and language therapy",
    Discipline.NUTRITION: "Nutrition",
    Discipline.RESPIRATORY: "Respiratory care",
    Discipline.MEDICATION: "Medication",
    Discipline.PSYCHOSOCIAL: "Psychosocial support",
    Discipline.PALLIATIVE: "Palliative care",
    Discipline.SUPPLEMENT: "Dietary supplements",
}

_CAREGIVER_HEADINGS = {
    Discipline.PHYSIOTHERAPY: "Physiotherapy",
    Discipline.OCCUPATIONAL_THERAPY: "Occupational therapy",
    Discipline.SPEECH: "Speech and communication",
    Discipline.NUTRITION: "Nutrition and swallowing",
    Discipline.RESPIRATORY: "Breathing",
    Discipline.MEDICATION: "Medicines",
    Discipline.PSYCHOSOCIAL: "Emotional and social support",
    Discipline.PALLIATIVE: "Palliative care",
    Discipline.SUPPLEMENT: "Supplements",
}
